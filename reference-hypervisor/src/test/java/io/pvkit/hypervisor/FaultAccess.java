package io.pvkit.hypervisor;

import io.pvkit.hypervisor.internal.DomainRecord;
import io.pvkit.hypervisor.internal.LibraryDomains;

/**
 * Test-only access to the hypervisor's own records for the fault-injection tests in
 * {@code io.pvkit.hypervisor.fault}: the library registrations (port states, grant pins and mappings) and a
 * domain's record (its counters, among them the hypercalls that failed inside the hypervisor).
 */
@SuppressWarnings("exports") // test code: the internal types are visible to the test packages of this module
public final class FaultAccess {
    private FaultAccess() {
    }

    /**
     * @param hv a running hypervisor
     * @return its pv-events and pv-grant registrations
     */
    public static LibraryDomains library(Hypervisor hv) {
        return hv.library();
    }

    /**
     * @param d a domain handle
     * @return the hypervisor's record of it
     */
    public static DomainRecord record(Domain d) {
        return d.record();
    }
}
