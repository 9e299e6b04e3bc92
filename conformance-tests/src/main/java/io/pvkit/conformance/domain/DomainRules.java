package io.pvkit.conformance.domain;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;
import java.util.List;

/**
 * Rules DOM-xx: what destroying a domain does to the domains that survive it, and what happens when a guest
 * that runs in its own process vanishes while its hypercall mailbox shows a hypercall in progress. Tested by
 * {@link DomainDeathVerification} (DOM-01, DOM-02, through the porting SPI) and {@link GuestProcessDeathVerification}
 * (DOM-03, DOM-04, through {@link GuestProcessHostUnderTest}).
 */
public final class DomainRules implements RuleSet {

    private static final List<Rule> RULES = List.of(
            Rule.must("DOM-01",
                    "Destroying a domain ends every survivor's view of it at once: each survivor port bound to it "
                            + "becomes unbound, offered to the dead domain's id, and drops sends; each survivor mapping of "
                            + "its grants is torn down (GNTST_bad_handle) or kept only until the survivor's one unmap; no "
                            + "new map of its grants succeeds; every survivor grant it had mapped becomes idle and "
                            + "revocable; and the survivors' channels and mappings among themselves keep working.",
                    "xen/common/domain.c domain_kill (domain_relinquish_resources: gnttab_release_mappings, "
                            + "evtchn_destroy); xen/common/event_channel.c __evtchn_close (the peer's channel becomes "
                            + "ECS_UNBOUND with remote_domid = the closing domain); xen/common/grant_table.c map_grant_ref "
                            + "(GNTST_bad_domain for a domain that cannot be found)"),
            Rule.must("DOM-02",
                    "Once a dead domain's survivors have unmapped their mappings of its grants and closed their ports "
                            + "that were bound to it, the implementation holds nothing for it within 5 seconds: the counts "
                            + "of domains, allocated ports and grant mappings are back to their values from before it was "
                            + "created.",
                    "xen/common/domain.c domain_destroy (the zombie is freed when its last reference goes); XSA-380 "
                            + "(CVE-2021-28698, grant mappings of a dying domain); issue 13 (nothing leaks, counted before "
                            + "and after)"),
            Rule.must("DOM-03",
                    "A guest process killed while its vCPU's mailbox holds a hypercall in progress (blocked in "
                            + "SCHEDOP_block, or published and never collected) has its domain destroyed within the bound "
                            + "the implementation states (at most 10 seconds), every thread serving it ends, and guests "
                            + "that join afterwards are served.",
                    "pv-process mailbox ABI (pvkit_mailbox.h, session wire format v1: end of stream ends the "
                            + "session); issue 13 (guest death: noticed within a bounded time, domain destroyed, nothing "
                            + "leaks)"),
            Rule.must("DOM-04",
                    "A guest process that closes its session socket while a hypercall is in progress and keeps "
                            + "running has its domain destroyed within the stated bound, and a hypercall it publishes in its "
                            + "mailbox afterwards is never served: it stays unanswered or is answered with a negative "
                            + "errno.",
                    "pv-process session wire format v1 (end of stream on either side ends the session); "
                            + "pvkit_mailbox.h (gone word); issue 13"));

    /** Creates the rule set (the catalogue does this once). */
    public DomainRules() {
    }

    @Override
    public String area() {
        return "Domain death";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}
