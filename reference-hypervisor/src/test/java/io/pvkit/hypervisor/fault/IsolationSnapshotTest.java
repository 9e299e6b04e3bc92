package io.pvkit.hypervisor.fault;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.FaultAccess;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The isolation checker fires: a changed quiet frame, a new port and a changed xenstore node are each reported. */
class IsolationSnapshotTest {
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    @Test
    void shouldReportEachKindOfChange() {
        hv = Hypervisor.start(new HypervisorConfig(null, line -> { }));
        Domain victim = hv.createDomain(DomainConfig.guest("victim", 16, null));
        Domain other = hv.createDomain(DomainConfig.guest("other", 16, null));
        String home = "/local/domain/" + victim.domid();
        List<IsolationSnapshot.Target> targets = List.of(new IsolationSnapshot.Target(victim,
                IsolationSnapshot.quietFrames(victim, new long[] {0}), List.of(home), List.of()));
        IsolationSnapshot before = IsolationSnapshot.take(hv, targets);
        assertEquals(List.of(), IsolationSnapshot.take(hv, targets).diff(before, other.domid()), "nothing changed yet");

        victim.memory().setByte(GuestMemory.gpaOf(5) + 17, (byte) 1);
        int port = FaultAccess.library(hv).allocUnbound(victim.domid(), 0);
        assertTrue(port > 0);
        int hostilePort = FaultAccess.library(hv).allocUnbound(victim.domid(), other.domid());
        assertTrue(hostilePort > 0);
        try (WireClient.Socket xs = new WireClient.Socket(hv.xenstoreSocket())) {
            xs.ok(XsdSockmsgType.WRITE, 0, home + "/name\0changed");
            xs.ok(XsdSockmsgType.WRITE, 0, home + "/new\0node");
        }
        List<String> diff = IsolationSnapshot.take(hv, targets).diff(before, other.domid());
        assertEquals(4, diff.size(), () -> "" + diff);
        assertTrue(diff.get(0).startsWith("domain " + victim.domid() + " frame 5 changed at byte 17"), diff.get(0));
        assertTrue(diff.get(1).startsWith("domain " + victim.domid() + " port " + port + ": "), diff.get(1));
        assertTrue(diff.get(2).startsWith(home + "/name: victim perms") && diff.get(2).contains("-> changed perms"), diff.get(2));
        assertTrue(diff.get(3).startsWith("xenstore " + home + "/new appeared"), diff.get(3));
    }
}
