package io.pvkit.kvm;

import org.junit.jupiter.api.Assumptions;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whether this host can run KVM guests. Without KVM a test is skipped with the reason, unless KVM is
 * required ({@code -Dpvkit.kvm.required=true}; off by default in the pom), when it fails.
 */
final class KvmHost {
    private KvmHost() {
    }

    static void requireKvm() {
        Optional<String> reason = KvmVm.unavailableReason();
        if (reason.isEmpty()) {
            return;
        }
        String required = System.getProperty("pvkit.kvm.required", System.getenv("CI"));
        if ("true".equalsIgnoreCase(required)) {
            fail("KVM is required here (pvkit.kvm.required / CI=true) but unavailable: " + reason.get());
        }
        Assumptions.abort("skipped, no usable KVM on this host: " + reason.get());
    }
}
