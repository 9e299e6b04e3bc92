package io.pvkit.abi.hypercall;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HypercallContextTest {
    private final GuestMemory memory = GuestMemory.allocate(2);
    private final HypercallContext ctx = HypercallContext.of(3, 1, false, memory);

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void shouldCopyInAPrivateSnapshot() {
        memory.setInt(0x108, 5);
        MemorySegment copy = ctx.copyIn(0x100, EvtchnStatusLayout.LAYOUT);
        memory.setInt(0x108, 6);
        assertEquals(5, copy.get(JAVA_INT, EvtchnStatusLayout.STATUS_OFFSET), "the guest cannot change the copy");
        copy.set(JAVA_INT, EvtchnStatusLayout.VCPU_OFFSET, 2);
        ctx.copyOut(0x100, EvtchnStatusLayout.LAYOUT, copy);
        assertEquals(2, memory.getInt(0x10C));
        assertEquals(5, memory.getInt(0x108), "copyOut writes the whole structure");
    }

    @Test
    void shouldReadAndWriteScalarsAndBytes() {
        ctx.writeLong(0x200, -2);
        assertEquals(-2, ctx.readLong(0x200));
        ctx.writeInt(0x208, 7);
        assertEquals(7, ctx.readInt(0x208));
        ctx.writeShort(0x20C, (short) -8);
        assertEquals(-8, memory.getShort(0x20C));
        ctx.writeBytes(0xFFE, new byte[] {1, 2, 3, 4});
        assertArrayEquals(new byte[] {1, 2, 3, 4}, ctx.readBytes(0xFFE, 4), "across a frame boundary");
        assertArrayEquals(new byte[0], ctx.readBytes(memory.byteSize(), 0));
    }

    @Test
    void shouldFaultOnBadPointers() {
        assertThrows(GuestMemoryFault.class, () -> ctx.copyIn(memory.byteSize() - 16, GnttabMapGrantRefLayout.LAYOUT));
        assertThrows(GuestMemoryFault.class, () -> ctx.copyIn(4, GnttabMapGrantRefLayout.LAYOUT), "8-aligned struct");
        assertThrows(GuestMemoryFault.class, () -> ctx.copyIn(-32, GnttabMapGrantRefLayout.LAYOUT));
        assertThrows(GuestMemoryFault.class, () -> ctx.readInt(2));
        assertThrows(GuestMemoryFault.class, () -> ctx.readLong(12));
        assertThrows(GuestMemoryFault.class, () -> ctx.writeShort(1, (short) 0));
        assertThrows(GuestMemoryFault.class, () -> ctx.writeLong(memory.byteSize(), 0));
        assertThrows(GuestMemoryFault.class, () -> ctx.readBytes(0, -1));
        assertThrows(GuestMemoryFault.class, () -> ctx.readBytes(0, Long.MAX_VALUE));
        assertThrows(GuestMemoryFault.class, () -> ctx.readBytes(Long.MAX_VALUE, 2));
        assertThrows(GuestMemoryFault.class, () -> ctx.writeBytes(memory.byteSize() - 1, new byte[2]));
        assertThrows(GuestMemoryFault.class, () -> ctx.resolve(0, -1, 1));
        assertThrows(GuestMemoryFault.class,
                () -> ctx.copyOut(2, EvtchnStatusLayout.LAYOUT, MemorySegment.ofArray(new long[3])));
        assertThrows(IllegalArgumentException.class,
                () -> ctx.copyOut(0, EvtchnStatusLayout.LAYOUT, MemorySegment.ofArray(new long[2])));
    }

    @Test
    void shouldCheckArraysForOverflowAndEachElement() {
        assertThrows(GuestMemoryFault.class, () -> ctx.array(0, -1, GnttabMapGrantRefLayout.LAYOUT));
        assertThrows(GuestMemoryFault.class, () -> ctx.array(0, Long.MAX_VALUE / 16, GnttabMapGrantRefLayout.LAYOUT));
        assertThrows(GuestMemoryFault.class, () -> ctx.array(Long.MAX_VALUE - 64, 4, GnttabMapGrantRefLayout.LAYOUT));
        GuestArray a = ctx.array(memory.byteSize() - 64, 3, GnttabMapGrantRefLayout.LAYOUT);
        assertEquals(memory.byteSize() - 32, a.elementAddress(1));
        assertEquals(32, a.copyIn(1).byteSize());
        assertThrows(GuestMemoryFault.class, () -> a.copyIn(2), "third element is past the end");
        assertThrows(GuestMemoryFault.class, () -> a.copyIn(3));
        assertThrows(GuestMemoryFault.class, () -> a.copyIn(-1));
        GuestArray empty = ctx.array(Long.MAX_VALUE, 0, GnttabMapGrantRefLayout.LAYOUT);
        assertThrows(GuestMemoryFault.class, () -> empty.copyIn(0));
    }

    @Test
    void shouldTurnFaultsIntoEfault() {
        assertEquals(XenErrno.EFAULT.negated(), HypercallResults.guard(() -> ctx.readInt(-4)));
        assertEquals(7, HypercallResults.guard(() -> 7));
    }

    @Test
    void shouldRejectNegativeVcpu() {
        assertThrows(IllegalArgumentException.class, () -> HypercallContext.of(0, -1, false, memory));
    }
}
