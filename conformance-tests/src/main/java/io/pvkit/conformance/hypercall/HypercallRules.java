package io.pvkit.conformance.hypercall;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;
import java.util.List;

/**
 * The hypercall ABI rules {@code HC-01} .. {@code HC-06} (adversarial catalogue, section 7.5),
 * tested by {@code HypercallAbiVerification}.
 */
public final class HypercallRules implements RuleSet {

    private static final List<Rule> RULES = List.of(
            Rule.must("HC-01",
                    "An unknown hypercall number or sub-op returns -ENOSYS and a privileged op issued by an "
                            + "unprivileged domain returns -EPERM, in both cases without any side effect.",
                    "XTF livepatch-priv-check; xen/include/public/xen.h (__HYPERVISOR_*), domctl.h, sysctl.h"),
            Rule.must("HC-02",
                    "Every output buffer a hypercall fills is written completely, with no stale bytes after a "
                            + "terminator or in padding, and no byte outside it is touched.",
                    "XSA-122 (XTF xsa-122); xen/include/public/version.h"),
            Rule.must("HC-03",
                    "Every pointer argument and every element of an array argument is validated before use, a bad "
                            + "one yields -EFAULT, and caller-supplied progress fields are not trusted.",
                    "XSA-212 (XTF xsa-212), XSA-231, XSA-318"),
            Rule.must("HC-04",
                    "A batch (multicall) reports a result for every element it ran, each equal to the result of "
                            + "the same call made directly, and never runs an element with privilege the caller lacks.",
                    "XSA-213 (XTF xsa-213); xen/include/public/xen.h (multicall_entry)"),
            Rule.must("HC-05",
                    "A hypercall documented to return a status returns only 0 or a negated errno, never a "
                            + "positive value.",
                    "XSA-316; xen/include/public/errno.h"),
            Rule.must("HC-06",
                    "A length argument that overflows (a count near 2^32, a pointer plus length that wraps) is "
                            + "rejected before any byte is copied.",
                    "XTF xsa-consoleio-write; rust-vmm vm-memory PR #51; xen/include/public/xen.h (console_io)"));

    /** Creates the rule set (the catalogue does this once). */
    public HypercallRules() {
    }

    @Override
    public String area() {
        return "Hypercall ABI";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}
