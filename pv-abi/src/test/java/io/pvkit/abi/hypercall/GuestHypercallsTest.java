package io.pvkit.abi.hypercall;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.GuestAddressTranslator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestHypercallsTest {
    private static final long SCRATCH = GuestMemory.gpaOf(3);
    private static final long EFAULT = XenErrno.EFAULT.negated();

    private final GuestMemory memory = GuestMemory.allocate(4);
    private final HypercallContext self = HypercallContext.of(1, 0, false, memory);
    private final TestHypervisor hypervisor = new TestHypervisor();
    private final GuestHypercalls hc = new GuestHypercalls(hypervisor, self, SCRATCH, GuestMemory.PAGE_SIZE);

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void shouldMarshalEventChannelArgumentsThroughGuestMemory() {
        assertEquals(1, hc.allocUnbound(0));
        assertEquals(2, hc.allocUnbound(0));
        assertEquals(107, hc.bindInterdomain(0, 7));
        assertEquals(0, hc.send(9));
        assertEquals(java.util.List.of(9), hypervisor.sent);
        // the argument really went through the scratch area in the guest's memory
        assertEquals(9, memory.getInt(SCRATCH));
    }

    @Test
    void shouldReturnErrnoFromTheHypervisor() {
        MemorySegment a = MemorySegment.ofArray(new long[1]);
        a.set(JAVA_SHORT, EvtchnAllocUnboundLayout.DOM_OFFSET, (short) 5);
        assertEquals(XenErrno.EPERM.negated(), hc.eventChannelOp(EvtchnOp.ALLOC_UNBOUND, a), "not privileged");
        assertEquals(XenErrno.ENOSYS.negated(), hc.call(HypercallOp.KEXEC_OP));
        assertEquals(XenErrno.ENOSYS.negated(), hc.call(11, 0, 0, 0, 0, 0));
        assertEquals(XenErrno.EINVAL.negated(), hc.getHvmParam(HvmParam.CONSOLE_PFN).result());
    }

    @Test
    void shouldRunTypedHelpers() {
        long[] frames = new long[3];
        assertEquals(0, hc.setupTable(frames));
        assertArrayEquals(new long[] {0x100, 0x101, 0x102}, frames);
        assertEquals(GrantStatus.GENERAL_ERROR.code(), hc.setupTable(new long[5]));
        GuestHypercalls.Result p = hc.getHvmParam(HvmParam.STORE_PFN);
        assertTrue(p.ok());
        assertEquals(TestHypervisor.STORE_PFN, p.value());
        assertEquals(0, hc.addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, 2));
        assertArrayEquals(new long[] {0, 0, 2}, hypervisor.physmap.get(0));
        assertEquals(0, hc.shutdown(ShutdownReason.REBOOT));
        assertEquals(1, hypervisor.shutdownReason);
        assertEquals(0, hc.yieldCpu());
        assertEquals(4 << 16 | 17, hc.xenVersion());
        byte[] text = "x".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, hc.consoleWrite(text), "written in two scratch-sized chunks");
        assertArrayEquals(text, hypervisor.console.toByteArray());
    }

    @Test
    void shouldGiveEfaultForPointersOutsideTheCallersMemory() {
        long op = HypercallOp.EVENT_CHANNEL_OP.number();
        assertEquals(EFAULT, hc.call(op, EvtchnOp.SEND.code(), memory.byteSize(), 0, 0, 0));
        assertEquals(EFAULT, hc.call(op, EvtchnOp.SEND.code(), memory.byteSize() - 2, 0, 0, 0));
        assertEquals(EFAULT, hc.call(op, EvtchnOp.SEND.code(), -4, 0, 0, 0));
        assertEquals(EFAULT, hc.call(op, EvtchnOp.SEND.code(), Long.MAX_VALUE - 1, 0, 0, 0));
        assertEquals(EFAULT, hc.call(op, EvtchnOp.ALLOC_UNBOUND.code(), Long.MIN_VALUE, 0, 0, 0));
        assertTrue(hypervisor.sent.isEmpty(), "nothing happened");
    }

    @Test
    void shouldGiveEfaultForMisalignedPointers() {
        long op = HypercallOp.EVENT_CHANNEL_OP.number();
        assertEquals(EFAULT, hc.call(op, EvtchnOp.SEND.code(), SCRATCH + 2, 0, 0, 0));
        assertEquals(EFAULT, hc.call(HypercallOp.HVM_OP.number(), 1, SCRATCH + 4, 0, 0, 0), "xen_hvm_param is 8-aligned");
        assertEquals(EFAULT, hc.call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.SETUP_TABLE.code(), SCRATCH + 4, 1, 0, 0));
    }

    @Test
    void shouldGiveEfaultForOverflowingLengthsAndCounts() {
        long gnttab = HypercallOp.GRANT_TABLE_OP.number();
        long setup = GrantTableOp.SETUP_TABLE.code();
        assertEquals(EFAULT, hc.call(gnttab, setup, SCRATCH, -1, 0, 0));
        assertEquals(EFAULT, hc.call(gnttab, setup, SCRATCH, Long.MAX_VALUE, 0, 0));
        assertEquals(EFAULT, hc.call(gnttab, setup, SCRATCH, Long.MAX_VALUE / 24 + 1, 0, 0));
        assertEquals(0, hypervisor.elementsProcessed);
        long console = HypercallOp.CONSOLE_IO.number();
        assertEquals(EFAULT, hc.call(console, ConsoleIoOp.WRITE, 16, memory.byteSize() - 8, 0, 0));
        assertEquals(EFAULT, hc.call(console, ConsoleIoOp.WRITE, 16, Long.MAX_VALUE - 4, 0, 0));
        assertEquals(XenErrno.EINVAL.negated(), hc.call(console, ConsoleIoOp.WRITE, -1, SCRATCH, 0, 0));
        assertEquals(0, hypervisor.console.size());
    }

    @Test
    void shouldValidateEachArrayElementAndStopAtTheFirstBadOne() {
        // two good elements at the very end of memory, the third runs off the end
        long base = memory.byteSize() - 2 * GnttabSetupTableLayout.SIZE;
        for (int i = 0; i < 2; i++) {
            long e = base + i * GnttabSetupTableLayout.SIZE;
            memory.setInt(e + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 1);
            memory.setLong(e + GnttabSetupTableLayout.FRAME_LIST_OFFSET, SCRATCH + 8 * i);
            memory.setShort(e + GnttabSetupTableLayout.STATUS_OFFSET, (short) 99);
        }
        long rc = hc.call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.SETUP_TABLE.code(), base, 3, 0, 0);
        assertEquals(EFAULT, rc);
        assertEquals(2, hypervisor.elementsProcessed);
        assertEquals(0, memory.getShort(base + GnttabSetupTableLayout.STATUS_OFFSET));
        assertEquals(0x100, memory.getLong(SCRATCH + 8));
        // a frame_list pointer outside memory in element 0 faults before element 1 is touched
        memory.setLong(base + GnttabSetupTableLayout.FRAME_LIST_OFFSET, memory.byteSize());
        hypervisor.elementsProcessed = 0;
        assertEquals(EFAULT, hc.call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.SETUP_TABLE.code(), base, 2, 0, 0));
        assertEquals(0, hypervisor.elementsProcessed);
    }

    @Test
    void shouldGiveEfaultWhenTheTranslatorRefuses() {
        HypercallContext paged = new HypercallContext(1, 0, false, memory,
                (address, length) -> address >= SCRATCH ? GuestAddressTranslator.INVALID : address);
        GuestHypercalls guest = new GuestHypercalls(hypervisor, paged, SCRATCH, GuestMemory.PAGE_SIZE);
        assertEquals(EFAULT, guest.send(3));
        HypercallContext shifted = new HypercallContext(1, 0, false, memory, (address, length) -> address - 0x10000);
        assertEquals(EFAULT, hypervisor.hypercall(shifted, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(),
                0x1000, 0, 0, 0), "translated below zero");
        assertTrue(hypervisor.sent.isEmpty());
    }

    @Test
    void shouldRejectBadScratchAreasAndOversizedArguments() {
        assertThrows(IllegalArgumentException.class, () -> new GuestHypercalls(hypervisor, self, SCRATCH + 4, 4096));
        assertThrows(IllegalArgumentException.class, () -> new GuestHypercalls(hypervisor, self, SCRATCH, 64));
        assertThrows(IllegalArgumentException.class, () -> new GuestHypercalls(hypervisor, self, SCRATCH, 8192));
        assertThrows(IllegalArgumentException.class, () -> hc.call(HypercallOp.SCHED_OP, 1, 2, 3, 4, 5, 6));
        assertThrows(IllegalArgumentException.class,
                () -> hc.eventChannelOp(EvtchnOp.SEND, MemorySegment.ofArray(new long[2])));
        assertThrows(IllegalArgumentException.class, () -> hc.setupTable(new long[1000]));
        MemorySegment partial = MemorySegment.ofArray(new long[5]);
        assertThrows(IllegalArgumentException.class, () -> hc.grantTableOp(GrantTableOp.SETUP_TABLE, partial));
    }

    @Test
    void shouldCopyArrayElementsBack() {
        MemorySegment two = MemorySegment.ofArray(new long[6]);
        for (int i = 0; i < 2; i++) {
            two.set(JAVA_INT, i * 24 + GnttabSetupTableLayout.NR_FRAMES_OFFSET, i == 0 ? 1 : 9);
            two.set(JAVA_LONG, i * 24 + GnttabSetupTableLayout.FRAME_LIST_OFFSET, SCRATCH + 2048);
        }
        assertEquals(0, hc.grantTableOp(GrantTableOp.SETUP_TABLE, two));
        assertEquals(GrantStatus.OKAY.code(), two.get(JAVA_SHORT, GnttabSetupTableLayout.STATUS_OFFSET));
        assertEquals(GrantStatus.GENERAL_ERROR.code(), two.get(JAVA_SHORT, 24 + GnttabSetupTableLayout.STATUS_OFFSET));
        assertEquals(0x100, memory.getLong(SCRATCH + 2048));
    }
}
