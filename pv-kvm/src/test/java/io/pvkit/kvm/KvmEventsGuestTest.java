package io.pvkit.kvm;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.HypercallResults;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.events.spi.VcpuKicker;
import io.pvkit.kvm.internal.TestGuests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A KVM guest and a Java dom0 over pv-events' real event channels: the guest maps shared_info, registers
 * its upcall vector and offers a port; dom0 binds it and sends; pv-events sets the guest's pending bits
 * and kicks its vCPU ({@code vm::kick} as the domain's VcpuKicker); the guest's upcall handler scans the
 * bitmaps, sends back, and dom0 sees its port pending.
 */
class KvmEventsGuestTest {
    private static final long SHARED_INFO_GFN = 0xF00;

    @Test
    void shouldPingPongAnEventWithDom0ThroughUpcalls() throws Exception {
        KvmHost.requireKvm();
        EventChannels evtchn = new EventChannels();
        EventChannelHypercalls evtchnOps = new EventChannelHypercalls(evtchn);
        TestXen base = new TestXen();
        HypercallHandler xen = (HypercallContext caller, long op, long a1, long a2, long a3, long a4, long a5) -> {
            if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
                return evtchnOps.hypercall(caller, op, a1, a2, a3, a4, a5);
            }
            if (op == HypercallOp.MEMORY_OP.number() && a1 == XenMemOp.ADD_TO_PHYSMAP) {
                return HypercallResults.guard(() -> {
                    MemorySegment x = caller.copyIn(a2, XenAddToPhysmapLayout.LAYOUT);
                    boolean ok = x.get(ValueLayout.JAVA_INT, XenAddToPhysmapLayout.SPACE_OFFSET) == PhysMapSpace.SHARED_INFO.code()
                            && x.get(ValueLayout.JAVA_LONG, XenAddToPhysmapLayout.GPFN_OFFSET) == SHARED_INFO_GFN;
                    return ok ? 0 : XenErrno.EINVAL.negated();
                });
            }
            return base.hypercall(caller, op, a1, a2, a3, a4, a5);
        };
        try (GuestMemory dom0Memory = GuestMemory.allocate(16); GuestMemory memory = GuestMemory.allocate(4096);
             KvmVm vm = KvmVm.create(memory, xen, 5)) {
            evtchn.addDomain(new DomainSpec(0, dom0Memory, 1, true), 0, VcpuKicker.POLLING);
            evtchn.addDomain(new DomainSpec(5, memory, 1, false), SHARED_INFO_GFN, vm::kick);
            vm.loadPvh(TestGuests.build("events"), "");
            assertEquals(new ExitOutcome.Halted(), vm.runVcpu(0, Duration.ofSeconds(20)), base.console());
            Matcher m = Pattern.compile("port (\\d+)\n").matcher(base.console());
            assertTrue(m.find(), base.console());
            int guestPort = Integer.parseInt(m.group(1));
            int dom0Port = evtchn.bindInterdomain(0, 5, guestPort);
            assertTrue(dom0Port > 0, "bind: " + dom0Port);
            assertEquals(0, evtchn.send(0, dom0Port));
            assertTrue(vm.awaitUpcall(0, Duration.ofSeconds(5)), "pv-events kicked the vCPU");
            assertEquals(new ExitOutcome.Shutdown(0), vm.runVcpu(0, Duration.ofSeconds(20)), base.console());
            assertEquals("add_to_physmap rc=0\nset_param rc=0\nalloc_unbound rc=0\nport " + guestPort
                    + "\nreceived\nsend rc=0\n", base.console());
            long word = dom0Memory.getLong(SharedInfoLayout.EVTCHN_PENDING_OFFSET + 8L * (dom0Port / 64));
            assertTrue((word & (1L << (dom0Port % 64))) != 0, "dom0's port is pending after the guest's send");
        }
    }
}
