package io.pvkit.grant.internal;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A granter's list of the mappings other domains hold of its grants (what its teardown revokes). */
class ForeignListTest {
    @Test
    void shouldIgnoreTheRemovalOfAMappingNeverAddedAndRemoveAddedOnesOnce() {
        try (GuestMemory memory = GuestMemory.allocate(4)) {
            DomainGrants d = new DomainGrants(1, memory, memory, false, 0, 1, 4);
            Mapping x = new Mapping(null, d, false, 0, 0);
            Mapping y = new Mapping(null, d, false, 0, 0);
            Mapping never = new Mapping(null, d, false, 0, 0);
            d.addForeign(x);
            d.addForeign(y);
            d.removeForeign(never);
            assertEquals(2, d.foreignCount(), "a mapping never added removes nothing");
            assertSame(y, d.anyForeign());
            d.removeForeign(x);
            assertEquals(1, d.foreignCount());
            assertSame(y, d.anyForeign(), "the last one moved into the removed one's place");
            d.removeForeign(x);
            assertEquals(1, d.foreignCount(), "a second removal of the same mapping removes nothing");
            d.removeForeign(y);
            assertEquals(0, d.foreignCount());
            assertNull(d.anyForeign());
        }
    }
}
