package io.pvkit.guest;

import io.pvkit.abi.DomainSpec;
import io.pvkit.events.EventChannels;
import io.pvkit.events.spi.VcpuKicker;
import io.pvkit.grant.GrantTables;

/**
 * Test double support: the ONLY place the test hypervisor registers domains with pv-events and
 * pv-grant. Those registration APIs are being renamed to {@code addDomain(DomainSpec, ...)} /
 * {@code releaseDomain(domid, budget)} (HELPER-COMMON "agreed library API shape"); when that lands,
 * only this class changes.
 */
final class LibraryRegistration {
    private LibraryRegistration() {
    }

    static void addDomain(EventChannels events, DomainSpec spec, long sharedInfoGfn, VcpuKicker kicker) {
        events.addDomain(spec, sharedInfoGfn, kicker);
    }

    static void addDomain(GrantTables grants, DomainSpec spec, long tableBaseGfn, int maxFrames) {
        grants.addDomain(spec, tableBaseGfn, maxFrames);
    }

    static void releaseDomain(EventChannels events, int domid) {
        while (!events.releaseDomain(domid, 64)) {
            Thread.onSpinWait();
        }
    }

    static void releaseDomain(GrantTables grants, int domid) {
        while (!grants.releaseDomain(domid, 64)) {
            Thread.onSpinWait();
        }
    }
}
