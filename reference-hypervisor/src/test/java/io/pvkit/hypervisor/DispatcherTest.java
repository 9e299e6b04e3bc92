package io.pvkit.hypervisor;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.MulticallEntryLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenVersionOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dispatcher's ops through the full path, as a guest and as a privileged domain. */
class DispatcherTest {
    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EPERM = XenErrno.EPERM.negated();
    private static final long EINVAL = XenErrno.EINVAL.negated();
    private static final long EFAULT = XenErrno.EFAULT.negated();
    private static final long ESRCH = XenErrno.ESRCH.negated();

    private Hypervisor hv;
    private Domain guest;
    private Domain other;
    private Domain control;

    @BeforeEach
    void start() {
        hv = Hypervisor.start(HypervisorConfig.quiet());
        guest = hv.createDomain(DomainConfig.guest("guest", 16, null));
        other = hv.createDomain(DomainConfig.guest("other", 16, null));
        control = hv.createDomain(new DomainConfig("control", 16, 2, true, null, null, null));
    }

    @AfterEach
    void close() {
        hv.close();
    }

    private long call(Domain d, long op, long a1, long a2, long a3) {
        return hv.dispatcher().hypercall(d.context(0), op, a1, a2, a3, 0, 0);
    }

    private long hvm(Domain caller, int op, int domid, int index, long value) {
        GuestMemory m = caller.memory();
        m.fill(0x200, XenHvmParamLayout.SIZE, (byte) 0);
        m.setShort(0x200 + XenHvmParamLayout.DOMID_OFFSET, (short) domid);
        m.setInt(0x200 + XenHvmParamLayout.INDEX_OFFSET, index);
        m.setLong(0x200 + XenHvmParamLayout.VALUE_OFFSET, value);
        return call(caller, HypercallOp.HVM_OP.number(), op, 0x200, 0);
    }

    private long hvmValue(Domain caller) {
        return caller.memory().getLong(0x200 + XenHvmParamLayout.VALUE_OFFSET);
    }

    @Test
    void shouldAnswerUnknownAndPrivilegedOps() {
        for (long op : new long[] {11, 43, 63, 0x1_0000_0011L, -1L, Long.MIN_VALUE}) {
            assertEquals(ENOSYS, call(guest, op, 0, 0, 0), "op " + op);
        }
        assertEquals(EPERM, call(guest, HypercallOp.DOMCTL.number(), 0x100, 0, 0));
        assertEquals(EPERM, call(guest, HypercallOp.SYSCTL.number(), 0x100, 0, 0));
        assertEquals(ENOSYS, call(control, HypercallOp.DOMCTL.number(), 0x100, 0, 0));
        assertEquals(ENOSYS, call(guest, HypercallOp.SCHED_OP.number(), 0x7FFF, 0, 0));
        assertEquals(ENOSYS, call(guest, HypercallOp.MEMORY_OP.number(), 0x3F, 0, 0));
        assertEquals(ENOSYS, call(guest, HypercallOp.XEN_VERSION.number(), 0x7FFF, 0, 0));
        assertEquals(ENOSYS, call(guest, HypercallOp.CONSOLE_IO.number(), 0x7FFF, 0, 0));
    }

    @Test
    void shouldRefuseForgedContexts() {
        HypercallContext forged = HypercallContext.of(0, 0, true, guest.memory());
        assertEquals(EPERM, hv.dispatcher().hypercall(forged, HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0));
        HypercallContext elevated = HypercallContext.of(guest.domid(), 0, true, guest.memory());
        assertEquals(EPERM, hv.dispatcher().hypercall(elevated, HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0));
        HypercallContext noSuchVcpu = HypercallContext.of(guest.domid(), 1, false, guest.memory());
        assertEquals(EPERM, hv.dispatcher().hypercall(noSuchVcpu, HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0));
        assertEquals(ESRCH, hv.dispatcher().hypercall(HypercallContext.of(999, 0, false, guest.memory()),
                HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0));
    }

    @Test
    void shouldAnswerXenVersion() {
        assertEquals((4L << 16) | 17, call(guest, HypercallOp.XEN_VERSION.number(), XenVersionOp.VERSION, 0, 0));
        guest.memory().fill(0x300, 1024, (byte) 0xA5);
        assertEquals(0, call(guest, HypercallOp.XEN_VERSION.number(), XenVersionOp.CAPABILITIES, 0x300, 0));
        byte[] caps = new byte[1024];
        guest.memory().read(0x300, caps, 0, 1024);
        String s = new String(caps, StandardCharsets.US_ASCII);
        assertTrue(s.startsWith("xen-3.0-x86_64 "), s);
        for (int i = s.indexOf('\0'); i < 1024; i++) {
            assertEquals(0, caps[i], "zero-filled at " + i);
        }
        guest.memory().setInt(0x400, 0);
        assertEquals(0, call(guest, HypercallOp.XEN_VERSION.number(), XenVersionOp.GET_FEATURES, 0x400, 0));
        assertEquals(1 << 2, guest.memory().getInt(0x404));
        assertEquals(EFAULT, call(guest, HypercallOp.XEN_VERSION.number(), XenVersionOp.EXTRAVERSION, -1L, 0));
    }

    @Test
    void shouldLetADomainReadItsOwnParamsAndOnlyPrivilegedOnesTouchOthers() {
        long si = guest.startInfoAddress();
        assertEquals(0, hvm(guest, HvmOp.GET_PARAM, DomId.SELF, HvmParam.CONSOLE_PFN, 0));
        assertEquals(guest.memory().getLong(si + StartInfoLayout.CONSOLE_DOMU_MFN_OFFSET), hvmValue(guest));
        assertEquals(0, hvm(guest, HvmOp.GET_PARAM, guest.domid(), HvmParam.CONSOLE_EVTCHN, 0));
        assertEquals(guest.memory().getInt(si + StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET), hvmValue(guest));
        assertEquals(0, hvm(guest, HvmOp.GET_PARAM, DomId.SELF, HvmParam.STORE_EVTCHN, 0));
        assertEquals(guest.memory().getInt(si + StartInfoLayout.STORE_EVTCHN_OFFSET), hvmValue(guest));
        assertEquals(EPERM, hvm(guest, HvmOp.GET_PARAM, other.domid(), HvmParam.CONSOLE_PFN, 0));
        assertEquals(EPERM, hvm(guest, HvmOp.SET_PARAM, other.domid(), HvmParam.CALLBACK_IRQ, 5));
        assertEquals(EPERM, hvm(guest, HvmOp.SET_PARAM, DomId.SELF, HvmParam.CONSOLE_PFN, 1));
        assertEquals(0, hvm(guest, HvmOp.SET_PARAM, DomId.SELF, HvmParam.CALLBACK_IRQ, 2L << 56 | 0xF3));
        assertEquals(0, hvm(guest, HvmOp.GET_PARAM, DomId.SELF, HvmParam.CALLBACK_IRQ, 0));
        assertEquals(2L << 56 | 0xF3, hvmValue(guest));
        assertEquals(0, hvm(control, HvmOp.SET_PARAM, other.domid(), HvmParam.CALLBACK_IRQ, 7));
        assertEquals(0, hvm(control, HvmOp.GET_PARAM, other.domid(), HvmParam.CALLBACK_IRQ, 0));
        assertEquals(7, hvmValue(control));
        assertEquals(ESRCH, hvm(control, HvmOp.GET_PARAM, 4000, HvmParam.CALLBACK_IRQ, 0));
        assertEquals(EINVAL, hvm(guest, HvmOp.GET_PARAM, DomId.SELF, 39, 0));
        assertEquals(ENOSYS, call(guest, HypercallOp.HVM_OP.number(), 99, 0x200, 0));
    }

    @Test
    void shouldRefuseConsoleReadToGuestsAndValidateWrites() {
        assertEquals(EPERM, call(guest, HypercallOp.CONSOLE_IO.number(), ConsoleIoOp.READ, 16, 0x100));
        assertEquals(0, call(control, HypercallOp.CONSOLE_IO.number(), ConsoleIoOp.READ, 16, 0x100));
        long end = guest.memory().byteSize();
        assertEquals(EFAULT, call(guest, HypercallOp.CONSOLE_IO.number(), ConsoleIoOp.WRITE, 0xFFFF_FFFFL, end - 4096));
        assertEquals(0, guest.consoleIoOutput().length, "nothing written before the range was checked");
    }

    @Test
    void shouldAcceptAddToPhysmapOnlyAtTheBuildersFrames() {
        GuestHypercalls hc = new GuestHypercalls(hv.dispatcher(), guest.context(0), 0, 4096);
        long sharedInfoGfn = guest.memory().getLong(guest.startInfoAddress() + StartInfoLayout.SHARED_INFO_OFFSET) >>> 12;
        assertEquals(0, hc.addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, sharedInfoGfn));
        assertEquals(EINVAL, hc.addToPhysmap(PhysMapSpace.SHARED_INFO.code(), 0, 3));
        long[] frames = new long[1];
        assertEquals(0, hc.setupTable(frames));
        assertEquals(0, hc.addToPhysmap(PhysMapSpace.GRANT_TABLE.code(), 1, frames[0] + 1));
        assertEquals(EINVAL, hc.addToPhysmap(PhysMapSpace.GRANT_TABLE.code(), 4, frames[0] + 4));
        assertEquals(EINVAL, hc.addToPhysmap(PhysMapSpace.GRANT_TABLE.code(), 0, frames[0] + 1));
        assertEquals(EINVAL, hc.addToPhysmap(PhysMapSpace.GMFN.code(), 0, 2));
        long[] two = new long[2];
        assertEquals(0, hc.setupTable(two), "the table grew to 2 frames");
        assertEquals(frames[0] + 1, two[1]);
    }

    @Test
    void shouldPollWithPortsAndTimeout() {
        GuestMemory m = guest.memory();
        m.setLong(0x100, 0x180);             // ports
        m.setInt(0x108, 129);                // nr_ports
        m.setLong(0x110, 0);
        assertEquals(EINVAL, call(guest, HypercallOp.SCHED_OP.number(), SchedOp.POLL.code(), 0x100, 0));
        m.setInt(0x108, 1);
        m.setInt(0x180, 5000);
        assertEquals(EINVAL, call(guest, HypercallOp.SCHED_OP.number(), SchedOp.POLL.code(), 0x100, 0));
        m.setInt(0x180, 1);
        m.setLong(0x110, hv.systemTimeNanos() + 50_000_000L);
        long t0 = System.nanoTime();
        assertEquals(0, call(guest, HypercallOp.SCHED_OP.number(), SchedOp.POLL.code(), 0x100, 0));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= 40_000_000L, "waited for the timeout: " + waited);
        m.setLong(0x100, -1L);
        assertEquals(EFAULT, call(guest, HypercallOp.SCHED_OP.number(), SchedOp.POLL.code(), 0x100, 0));
    }

    @Test
    void shouldWakeAPollOnAMaskedPortAndABlockOnAnEvent() throws Exception {
        GuestHypercalls g = new GuestHypercalls(hv.dispatcher(), guest.context(0), 0, 4096);
        GuestHypercalls o = new GuestHypercalls(hv.dispatcher(), other.context(0), 0, 4096);
        int port = (int) g.allocUnbound(other.domid());
        int remote = (int) o.bindInterdomain(guest.domid(), port);
        guest.memory().fill(0x800, 8, (byte) 0);
        // pending bit set by the bind (Xen marks the new local port pending): clear it on the guest's side
        long sharedInfo = guest.memory().getLong(guest.startInfoAddress() + StartInfoLayout.SHARED_INFO_OFFSET);
        guest.memory().setLong(sharedInfo + 2048 + 8L * (port >>> 6), 0);
        // masked: no upcall, the poll sees the pending bit itself
        guest.memory().setLong(sharedInfo + 2560 + 8L * (port >>> 6), -1L);
        GuestMemory m = guest.memory();
        m.setLong(0x100, 0x180);
        m.setInt(0x108, 1);
        m.setLong(0x110, 0);
        m.setInt(0x180, port);
        long[] r = {Long.MIN_VALUE};
        Thread poller = Thread.ofPlatform().start(() -> r[0] = call(guest, HypercallOp.SCHED_OP.number(), SchedOp.POLL.code(), 0x100, 0));
        Thread.sleep(50);
        assertTrue(poller.isAlive());
        assertEquals(0, o.send(remote));
        poller.join(5000);
        assertEquals(0, r[0]);
        // unmasked: a block is woken by the kick
        guest.memory().setLong(sharedInfo + 2560 + 8L * (port >>> 6), 0);
        guest.memory().setLong(sharedInfo + 2048 + 8L * (port >>> 6), 0);
        guest.memory().setByte(sharedInfo, (byte) 0);          // evtchn_upcall_pending of vCPU 0
        guest.memory().setLong(sharedInfo + 8, 0);             // evtchn_pending_sel
        Thread blocker = Thread.ofPlatform().start(() -> r[0] = call(guest, HypercallOp.SCHED_OP.number(), SchedOp.BLOCK.code(), 0, 0));
        Thread.sleep(50);
        assertTrue(blocker.isAlive());
        assertEquals(0, o.send(remote));
        blocker.join(5000);
        assertTrue(!blocker.isAlive());
        assertEquals(2, guest.info().eventsDelivered());
        assertEquals(2, other.info().eventsSent());
    }

    @Test
    void shouldRefuseEveryHypercallAfterShutdown() {
        GuestHypercalls hc = new GuestHypercalls(hv.dispatcher(), guest.context(0), 0, 4096);
        assertEquals(0, hc.shutdown(ShutdownReason.SUSPEND));
        assertEquals(ESRCH, hc.xenVersion());
        assertEquals(ESRCH, call(guest, HypercallOp.SCHED_OP.number(), SchedOp.BLOCK.code(), 0, 0));
        assertEquals(DomainState.SHUTDOWN, guest.info().state());
        assertEquals(ShutdownReason.SUSPEND, guest.info().shutdownReason());
    }

    @Test
    void shouldRunMulticallElementsWithTheCallersPrivilege() {
        GuestMemory m = guest.memory();
        long base = 0x1000;
        long[][] entries = {{HypercallOp.XEN_VERSION.number(), XenVersionOp.VERSION}, {HypercallOp.DOMCTL.number(), 0x100},
            {63, 0}, {HypercallOp.MULTICALL.number(), base}};
        for (int i = 0; i < entries.length; i++) {
            long e = base + i * MulticallEntryLayout.SIZE;
            m.fill(e, MulticallEntryLayout.SIZE, (byte) 0);
            m.setLong(e + MulticallEntryLayout.OP_OFFSET, entries[i][0]);
            m.setLong(e + MulticallEntryLayout.ARGS_OFFSET, entries[i][1]);
        }
        assertEquals(0, call(guest, HypercallOp.MULTICALL.number(), base, entries.length, 0));
        long[] expected = {(4L << 16) | 17, EPERM, ENOSYS, EINVAL};
        for (int i = 0; i < entries.length; i++) {
            assertEquals(expected[i], m.getLong(base + i * MulticallEntryLayout.SIZE + MulticallEntryLayout.RESULT_OFFSET));
        }
        assertEquals(EFAULT, call(guest, HypercallOp.MULTICALL.number(), m.byteSize() - 64, 2, 0));
    }
}
