package io.pvkit.events.spi;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UnmaskHypercall#via} issues {@code EVTCHNOP_unmask} for exactly the port it is given and answers the
 * hypervisor's result unchanged.
 */
class UnmaskHypercallViaTest {
    @Test
    void theHypercallCarriesThePortAndItsResultComesBack() {
        try (GuestMemory dom0 = GuestMemory.allocate(2); GuestMemory guest = GuestMemory.allocate(2)) {
            EventChannels evtchn = new EventChannels();
            List<Integer> kicks = new ArrayList<>();
            evtchn.addDomain(new DomainSpec(0, dom0, 1, true), 1, VcpuKicker.POLLING);
            evtchn.addDomain(new DomainSpec(1, guest, 2, false), 1, kicks::add, 64);
            int gp = evtchn.allocUnbound(1, DomId.SELF, 0);
            int dp = evtchn.bindInterdomain(0, 1, gp);
            assertEquals(0, evtchn.bindVcpu(1, gp, 1));
            guest.fill(4096, 4096, (byte) 0);
            guest.setLong(4096 + io.pvkit.abi.evtchn.SharedInfoLayout.EVTCHN_MASK_OFFSET, 1L << gp); // masked
            assertEquals(0, evtchn.send(0, dp), "pending while masked: no upcall, no kick");
            kicks.clear();
            GuestHypercalls hc = new GuestHypercalls(new EventChannelHypercalls(evtchn), HypercallContext.of(1, 0, false, guest),
                    0, 4096);
            UnmaskHypercall unmask = UnmaskHypercall.via(hc);
            assertEquals(0L, unmask.unmask(gp));
            assertEquals(List.of(1), kicks, "the hypervisor unmasked that port and raised it on its vCPU 1");
            assertTrue((guest.getLong(4096 + io.pvkit.abi.evtchn.SharedInfoLayout.EVTCHN_MASK_OFFSET) & (1L << gp)) == 0);
            assertEquals(XenErrno.EINVAL.negated(), unmask.unmask(64), "beyond the domain's 64 ports");
            assertEquals(XenErrno.EINVAL.negated(), unmask.unmask(-1));
            assertThrows(NullPointerException.class, () -> UnmaskHypercall.via(null));
        }
    }
}
