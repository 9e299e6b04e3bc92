package io.pvkit.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.GrantMapEvent;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code io.pvkit.GrantMap} JFR event: off by default, recorded with its fields when enabled. */
class GrantMapJfrEventTest {
    @Test
    void shouldBeOffByDefault() {
        assertFalse(EventType.getEventType(GrantMapEvent.class).isEnabled(), "no recording enables it");
    }

    @Test
    void shouldBeCompiledInUnlessTheMeasuringSwitchRemovesIt() {
        assertTrue(GrantMapEvent.COMPILED_IN, "only -Dpvkit.grant.jfr=false removes it");
    }

    @Test
    void shouldRecordEveryMapWhenEnabled(@TempDir Path dir) throws Exception {
        try (GuestMemory granter = GuestMemory.allocate(4); GuestMemory mapper = GuestMemory.allocate(4)) {
            GrantTables t = new GrantTables(MappingLifetime.CONFINED, 1024);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 1, true);
            Path file = dir.resolve("map.jfr");
            try (Recording r = new Recording()) {
                r.enable("io.pvkit.GrantMap").withThreshold(Duration.ZERO);
                r.start();
                MapResult ok = t.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
                assertTrue(ok.ok());
                t.unmap(2, ok.handle());
                MapResult bad = t.map(2, 1, 999, GntMap.HOST_MAP | GntMap.READONLY, 0);
                assertFalse(bad.ok());
                r.stop();
                r.dump(file);
            }
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.pvkit.GrantMap")).toList();
            assertEquals(2, events.size(), events.toString());
            assertEquals(List.of((long) ref, 999L), events.stream().map(e -> e.getLong("ref")).toList());
            assertEquals(0, events.get(0).getInt("status"));
            assertTrue(events.get(1).getInt("status") < 0);
            assertEquals(List.of(2, 2), events.stream().map(e -> e.getInt("mapper")).toList());
            assertFalse(events.get(0).getBoolean("shared"));
        }
    }
}
