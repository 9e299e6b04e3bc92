package io.pvkit.kvm.internal;

import io.pvkit.kvm.ExitOutcome;
import io.pvkit.kvm.KvmException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Exit decoding over a kvm_run-shaped page of real native memory, as the kernel fills it. */
class KvmExitsTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment run = arena.allocate(4096, 4096);

    private void io(int direction, int size, int port, int count, long dataOffset) {
        run.set(JAVA_BYTE, KvmRunLayout.IO_DIRECTION_OFFSET, (byte) direction);
        run.set(JAVA_BYTE, KvmRunLayout.IO_SIZE_OFFSET, (byte) size);
        run.set(JAVA_SHORT, KvmRunLayout.IO_PORT_OFFSET, (short) port);
        run.set(JAVA_INT, KvmRunLayout.IO_COUNT_OFFSET, count);
        run.set(JAVA_LONG, KvmRunLayout.IO_DATA_OFFSET_OFFSET, dataOffset);
    }

    @Test
    void shouldReadTheHypercallPortWrite() {
        io(KvmAbi.KVM_EXIT_IO_OUT, 4, HypercallPage.PORT, 1, 0x1000 - 64);
        run.set(JAVA_INT, 0x1000 - 64, 29);
        KvmExits.Io io = KvmExits.io(run);
        assertEquals(new KvmExits.Io(0xEA, true, 4, 1, 0x1000 - 64, 29), io);
    }

    @Test
    void shouldAnswerAnUnservedPortReadWithAllOnes() {
        io(KvmAbi.KVM_EXIT_IO_IN, 2, 0x3f8, 3, 1024);
        ExitOutcome out = KvmExits.unservedIo(KvmExits.io(run), run);
        assertEquals(new ExitOutcome.PortIo(0x3f8, false, 2, 3, 0), out);
        assertEquals(-1L, run.get(JAVA_LONG, 1024) | 0xFFFF_0000_0000_0000L);
        assertEquals((short) -1, run.get(JAVA_SHORT, 1028));
        assertEquals(0, run.get(JAVA_BYTE, 1030));
    }

    @Test
    void shouldRefuseIoDataOutsideTheMapping() {
        io(KvmAbi.KVM_EXIT_IO_OUT, 4, 0x80, 1, 4094);
        assertThrows(KvmException.class, () -> KvmExits.io(run));
        io(KvmAbi.KVM_EXIT_IO_OUT, 4, 0x80, 1, 8);   // inside kvm_run's own fields
        assertThrows(KvmException.class, () -> KvmExits.io(run));
        io(KvmAbi.KVM_EXIT_IO_OUT, 3, 0x80, 1, 1024);
        assertThrows(KvmException.class, () -> KvmExits.io(run));
    }

    @Test
    void shouldMapEveryOtherExit() {
        assertEquals(new ExitOutcome.Halted(), KvmExits.decode(KvmAbi.KVM_EXIT_HLT, run));
        assertEquals(new ExitOutcome.TripleFault(), KvmExits.decode(KvmAbi.KVM_EXIT_SHUTDOWN, run));
        run.set(JAVA_LONG, KvmRunLayout.MMIO_PHYS_ADDR_OFFSET, 0xfee0_0000L);
        run.set(JAVA_INT, KvmRunLayout.MMIO_LEN_OFFSET, 4);
        run.set(JAVA_BYTE, KvmRunLayout.MMIO_IS_WRITE_OFFSET, (byte) 0);
        assertEquals(new ExitOutcome.Mmio(0xfee0_0000L, false, 4), KvmExits.decode(KvmAbi.KVM_EXIT_MMIO, run));
        assertEquals(-1L, run.get(JAVA_LONG, KvmRunLayout.MMIO_DATA_OFFSET), "an unserved MMIO read sees all-ones");
        run.set(JAVA_INT, KvmRunLayout.INTERNAL_SUBERROR_OFFSET, 1);
        run.set(JAVA_INT, KvmRunLayout.INTERNAL_NDATA_OFFSET, 99);   // more than the 16 words there are
        run.set(JAVA_LONG, KvmRunLayout.INTERNAL_DATA_OFFSET, 0x1234);
        ExitOutcome.InternalError ie = (ExitOutcome.InternalError) KvmExits.decode(KvmAbi.KVM_EXIT_INTERNAL_ERROR, run);
        assertEquals(1, ie.suberror());
        assertEquals(16, ie.data().length);
        assertEquals(0x1234, ie.data()[0]);
        run.set(JAVA_LONG, KvmRunLayout.FAIL_ENTRY_REASON_OFFSET, 0x21);
        run.set(JAVA_INT, KvmRunLayout.FAIL_ENTRY_CPU_OFFSET, 1);
        assertEquals(new ExitOutcome.FailEntry(0x21, 1), KvmExits.decode(KvmAbi.KVM_EXIT_FAIL_ENTRY, run));
        run.set(JAVA_INT, KvmRunLayout.SYSTEM_EVENT_TYPE_OFFSET, 2);
        assertEquals(new ExitOutcome.SystemEvent(2), KvmExits.decode(KvmAbi.KVM_EXIT_SYSTEM_EVENT, run));
        assertEquals(new ExitOutcome.Unhandled(4), KvmExits.decode(KvmAbi.KVM_EXIT_DEBUG, run));
        assertArrayEquals(new long[] {7}, new ExitOutcome.InternalError(1, new long[] {7}).data());
    }
}
