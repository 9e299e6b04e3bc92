package io.pvkit.guest.block;

import io.pvkit.guest.CommandLine;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockWorkloadConfigTest {

    private static BlockWorkloadConfig parse(String words) throws Exception {
        return BlockWorkloadConfig.from(CommandLine.parse("pvkit.name=g1 pvkit.echo=3 " + words));
    }

    @Test
    void shouldUseTheDefaultsWithoutKeys() throws Exception {
        BlockWorkloadConfig c = parse("");
        assertEquals(BlockWorkloadConfig.defaults(BlockWorkloadConfig.defaultSeed("g1")), c);
        assertEquals(Optional.empty(), c.enabled());
    }

    @Test
    void shouldReadEveryKey() throws Exception {
        BlockWorkloadConfig c = parse("pvkit.blk=on pvkit.blk.pattern=sequential pvkit.blk.bs=4096 pvkit.blk.qd=3 "
                + "pvkit.blk.queues=2 pvkit.blk.ringorder=1 pvkit.blk.indirect=off pvkit.blk.persistent=off "
                + "pvkit.blk.passes=0 pvkit.blk.flush=off pvkit.blk.seed=-5");
        assertEquals(new BlockWorkloadConfig(Optional.of(true), true, 4096, 3, 2, 1, false, false, 0, false, -5), c);
        assertEquals(new BlockFrontendOptions(1, 2, false, false, 3, java.time.Duration.ofSeconds(1)),
                c.frontendOptions(java.time.Duration.ofSeconds(1)));
        assertEquals(Optional.of(false), parse("pvkit.blk=off").enabled());
    }

    @Test
    void shouldNameTheKeyOfABadValue() {
        String[][] bad = {
            {"pvkit.blk=maybe", "pvkit.blk=maybe is not on or off"},
            {"pvkit.blk.pattern=zigzag", "pvkit.blk.pattern=zigzag is not random or sequential"},
            {"pvkit.blk.bs=1000", "pvkit.blk.bs=1000 is not a multiple of 512"},
            {"pvkit.blk.bs=0", "pvkit.blk.bs=0 is not a multiple of 512"},
            {"pvkit.blk.qd=0", "pvkit.blk.qd=0 is outside 1..4096"},
            {"pvkit.blk.qd=-1", "pvkit.blk.qd=-1 is not a decimal number"},
            {"pvkit.blk.queues=17", "pvkit.blk.queues=17 is above 16"},
            {"pvkit.blk.ringorder=5", "pvkit.blk.ringorder=5 is above 4"},
            {"pvkit.blk.indirect=yes", "pvkit.blk.indirect=yes is not on or off"},
            {"pvkit.blk.passes=x", "pvkit.blk.passes=x is not a decimal number"},
            {"pvkit.blk.seed=1e3", "pvkit.blk.seed=1e3 is not a decimal long"},
        };
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(b[0]), b[0]);
            assertTrue(e.getMessage().startsWith(b[1]), e.getMessage());
        }
    }

    @Test
    void shouldAllocateFramesFirstFitAndRefuseDoubleFrees() {
        GuestFrames f = new GuestFrames(1, 11);
        assertEquals(10, f.available());
        assertEquals(1, f.allocate(4));
        assertEquals(5, f.allocate(1));
        f.free(1, 4);
        assertEquals(6, f.allocate(5), "no run of 5 below frame 6");
        assertEquals(1, f.allocate(4));
        assertEquals(-1, f.allocate(1));
        assertThrows(IllegalArgumentException.class, () -> f.free(0, 1));
        f.free(5, 1);
        assertThrows(IllegalArgumentException.class, () -> f.free(5, 1));
        assertThrows(IllegalArgumentException.class, () -> new GuestFrames(0, 4));
    }
}
