package io.pvkit.hypervisor;

import io.pvkit.abi.evtchn.EvtchnBindVirqLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Hypervisor#raiseVirq}: a VIRQ the domain bound is set pending on its port (per-vCPU VIRQs only on the
 * vCPU they are bound on); unknown domains, vCPUs and VIRQs set nothing and throw nothing.
 */
class RaiseVirqTest {
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    @Test
    void aBoundVirqIsSetPendingOnItsPortAndNothingElseIs() {
        hv = Hypervisor.start(HypervisorConfig.quiet());
        Domain d = hv.createDomain(new DomainConfig("virqs", 16, 2, false, null, "", null));
        GuestHypercalls hc = new GuestHypercalls(hv.dispatcher(), d.context(0), 0, GuestMemory.PAGE_SIZE);
        MemorySegment bind = MemorySegment.ofArray(new long[2]).asSlice(0, EvtchnBindVirqLayout.SIZE);
        bind.set(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.VIRQ_OFFSET, Virq.TIMER.code());
        bind.set(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.VCPU_OFFSET, 1);
        assertEquals(0, hc.eventChannelOp(EvtchnOp.BIND_VIRQ, bind));
        int port = bind.get(ValueLayout.JAVA_INT, EvtchnBindVirqLayout.PORT_OFFSET);
        long sharedInfo = d.memory().getLong(d.startInfoAddress() + StartInfoLayout.SHARED_INFO_OFFSET);
        long word = sharedInfo + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
        long bit = 1L << (port & 63);

        for (int[] nothing : new int[][] {{0, Virq.TIMER.code()}, {2, Virq.TIMER.code()}, {-1, Virq.TIMER.code()},
            {1, -1}, {1, Virq.NR_VIRQS}, {1, Virq.CONSOLE.code()}, {Integer.MAX_VALUE, Integer.MIN_VALUE}}) {
            assertFalse(hv.raiseVirq(d.domid(), nothing[0], nothing[1]), "vCPU " + nothing[0] + ", VIRQ " + nothing[1]);
        }
        assertFalse(hv.raiseVirq(d.domid() + 100, 1, Virq.TIMER.code()), "an unknown domain");
        assertEquals(0, d.memory().getLong(word) & bit, "nothing raised yet");

        assertTrue(hv.raiseVirq(d.domid(), 1, Virq.TIMER.code()));
        assertEquals(bit, d.memory().getLong(word) & bit, "VIRQ_TIMER's port is pending");
        assertEquals(1, d.memory().getByte(sharedInfo + SharedInfoLayout.vcpuInfoOffset(1)
                + VcpuInfoLayout.UPCALL_PENDING_OFFSET), "vCPU 1's evtchn_upcall_pending");
    }
}
