package io.pvkit.conformance.ring;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;

import java.util.List;

/**
 * The shared-ring rules: the ring cases of the adversarial catalogue (RING-01..11, section 7.1; FE-01..07,
 * section 7.2), the gaps outside implementers found (RING-12..14),
 * the concurrent ordering rule (RING-15) and the {@code io/ring.h} protocol rules
 * (RING-20..27), tested by {@link BackRingVerification}
 * and {@link FrontRingVerification}.
 */
public final class RingRules implements RuleSet {

    private static final String RING_H = "xen/include/public/io/ring.h";
    private static final List<Rule> RULES = List.of(
            Rule.must("RING-01",
                    "A backend that sees req_prod more than RING_SIZE ahead of rsp_prod_pvt processes nothing beyond "
                            + "the limit and marks the ring broken, without looping or processing an entry twice.",
                    "RING_REQUEST_PROD_OVERFLOW (Xen a63c57093b); rust-vmm vm-virtio PR #196; " + RING_H),
            Rule.must("RING-02",
                    "A backend whose req_prod moves backwards or jumps on every read never considers more than "
                            + "RING_SIZE entries, never hands out an entry twice and never touches a slot out of bounds.",
                    "XEN_RING_NR_UNCONSUMED_REQUESTS (Xen 21170a738c); " + RING_H),
            Rule.must("RING-03",
                    "Indices that start near 2^32 and wrap behave exactly as indices that start at 0, and a full ring "
                            + "is never taken for an empty one: a frontend's free and outstanding request counts "
                            + "(RING_FREE_REQUESTS, RING_FULL) and its req_prod_pvt are exact at every step, and a put it "
                            + "refuses (a request shorter than the ring type's) takes no id and no slot.",
                    "XTF f645a19 and 5535855; Firecracker verify_prepare_kick; " + RING_H),
            Rule.must("RING-04",
                    "A backend reads each request from the shared slot once (RING_COPY_REQUEST) and acts only on that "
                            + "private copy, so a field the frontend changes after the first read has no effect.",
                    "XSA-155 / CVE-2015-8550 (Xen 3f20b8def0)"),
            Rule.must("RING-05",
                    "Each side reads the peer's producer index (req_prod in a backend, rsp_prod in a frontend) once per "
                            + "batch into a local and validates that copy.",
                    "XSA-155; libxenvchan 7d66a4ba69 (read prod/cons only once)"),
            Rule.must("RING-06",
                    "A request the backend's handler rejects is still consumed exactly once, can be answered, and "
                            + "the next valid request is delivered normally.",
                    "XSA-155 family; cloud-hypervisor PRs #8401 and #8142"),
            Rule.must("RING-07",
                    "A response slot holds exactly the response the backend gave, and its bytes beyond the response "
                            + "carry no backend or stale data (they are zero).",
                    "XSA-216 / CVE-2017-10911 (xen-blkback: do not leak stack data via response ring)"),
            Rule.must("RING-08",
                    "A backend consumes at most the number of requests it asked for in one round, so a flooding "
                            + "frontend cannot monopolise it; a frontend's response poll honours its limit likewise.",
                    "XSA-392 / CVE-2021-28714 (netback: don't queue unlimited number of packages)"),
            Rule.must("RING-09",
                    "An absurd req_event written by the frontend changes only whether the frontend is notified; the "
                            + "backend still finds every request when it polls.",
                    "io/ring.h notification hold-off; XSA-332; " + RING_H),
            Rule.must("RING-10",
                    "A producer's push-and-check and a consumer's final check never both conclude \"no notify\" and "
                            + "\"no work\" while an entry is pending (no lost wake-up).",
                    "RING_PUSH_REQUESTS_AND_CHECK_NOTIFY / RING_FINAL_CHECK_FOR_REQUESTS; VirtIO 2.7.7.2; " + RING_H),
            Rule.must("RING-11",
                    "A consumer that observes producer index n sees slot n-1 fully written.",
                    "RING_PUSH_REQUESTS xen_wmb(); vm-virtio PR #1 review; " + RING_H),
            Rule.must("RING-12",
                    "A backend that sees req_prod move backwards, behind requests it has already consumed, hands out "
                            + "nothing more and marks the ring broken.",
                    "XEN_RING_NR_UNCONSUMED_REQUESTS (Xen 21170a738c); without the check a blkback-style loop "
                            + "consumes stale slots up to RING_REQUEST_CONS_OVERFLOW; " + RING_H),
            Rule.must("RING-13",
                    "Once a side has marked its ring broken it stays broken: later operations hand out nothing, write "
                            + "nothing to the shared page and report BROKEN with the same fault (a RingBrokenException they "
                            + "throw names it), even when the peer restores valid indices.",
                    "Linux blkfront/netfront hardening (XSA-376: the device stays in error until reconnected)"),
            Rule.must("RING-14",
                    "A frontend bounds rsp_prod by the requests it has pushed (the published req_prod), so it never "
                            + "accepts a response for a request it has put but not yet pushed.",
                    "RING_RESPONSE_PROD_OVERFLOW (Xen d1f6296053); XSA-376 (blkfront hardening); " + RING_H),
            Rule.must("RING-15",
                    "A producer's push, run concurrently with the peer's final check for many rounds, never lets both "
                            + "miss the entry: a full fence separates publishing the producer index from reading the event "
                            + "index, so a concurrent final check and push never both conclude \"no work\" and \"no notify\".",
                    "RING_PUSH_REQUESTS_AND_CHECK_NOTIFY and RING_PUSH_RESPONSES_AND_CHECK_NOTIFY xen_mb() (tested on both "
                            + "sides); Linux virtio_ring virtqueue_kick_prepare mb(); " + RING_H),
            Rule.must("RING-20",
                    "Slots start at byte 64, have the size of the C union of request and response (rounded to its "
                            + "alignment) and number __RING_SIZE: the slots that fit, rounded down to a power of two; an "
                            + "area that holds no slot is refused.",
                    "DEFINE_RING_TYPES, __RING_SIZE; " + RING_H),
            Rule.must("RING-21",
                    "Front initialisation writes SHARED_RING_INIT (producers equal, events one past them, pvt and "
                            + "padding zeroed) and an attach, backend or frontend (FRONT_RING_ATTACH), writes nothing to "
                            + "the shared page and continues at the ring's index.",
                    "SHARED_RING_INIT, XEN_FRONT_RING_INIT, BACK_RING_INIT, FRONT_RING_ATTACH; " + RING_H),
            Rule.must("RING-22",
                    "A push requests a notification exactly when the peer's event index lies in (old, new] modulo 2^32, "
                            + "and a push given a notifier notifies exactly then.",
                    "RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, RING_PUSH_RESPONSES_AND_CHECK_NOTIFY; " + RING_H),
            Rule.must("RING-23",
                    "A final check with nothing pending sets the event index to consumer + 1 and reports work exactly "
                            + "when entries are pending.",
                    "RING_FINAL_CHECK_FOR_REQUESTS, RING_FINAL_CHECK_FOR_RESPONSES; " + RING_H),
            Rule.should("RING-24",
                    "A final check that finds entries already pending reports work without writing the event index "
                            + "(it arms only when it found nothing), so a consumer that is still busy asks for no "
                            + "notification it does not need.",
                    "RING_FINAL_CHECK_FOR_REQUESTS, RING_FINAL_CHECK_FOR_RESPONSES (break before req_event/rsp_event "
                            + "is written); " + RING_H),
            Rule.must("RING-25",
                    "A frontend writes and reads ids at the offset and with the width of the ring type's id fields "
                            + "(2, 4 or 8 bytes), leaving the request's other bytes as given and ignoring response bytes "
                            + "beyond the field, and never issues an id the request or the response id field cannot hold "
                            + "(a ring with more slots than either field can number is refused; one whose ids all fit is "
                            + "accepted).",
                    "io/netif.h (uint16_t id); Linux xen-netfront (ids are shadow indices below NET_TX_RING_SIZE); "
                            + RING_H),
            Rule.must("RING-26",
                    "A poll re-entered from its own handler is refused (IllegalStateException) or consumes every entry "
                            + "exactly once: no request or response is handed out twice or skipped, and the ring stays "
                            + "usable.",
                    "Linux blkback/xen-netfront consumer loops keep the consumer index in a local (RING_COPY_REQUEST, "
                            + "rsp_cons); " + RING_H),
            Rule.must("RING-27",
                    "A backend writes a response only for a request it has consumed and not yet answered; asked for "
                            + "more it refuses (IllegalStateException) and writes nothing, so it never overwrites a "
                            + "published request it has not read.",
                    "io/ring.h (rsp_prod_pvt never passes req_cons: a response slot is the consumed request's); "
                            + RING_H),
            Rule.must("FE-01",
                    "A frontend that sees rsp_prod more than RING_SIZE ahead of rsp_cons, or beyond the requests it "
                            + "published, consumes nothing and enters an error state.",
                    "RING_RESPONSE_PROD_OVERFLOW (Xen d1f6296053); XSA-376 (blkfront hardening)"),
            Rule.must("FE-02",
                    "A response id outside the ring's id range puts the frontend in an error state without any "
                            + "out-of-bounds access.",
                    "Linux b94e4b147fd1 (xen/blkfront: don't trust the backend response data blindly), XSA-376"),
            Rule.must("FE-03",
                    "A response id that is not outstanding (never issued or already completed) puts the frontend in "
                            + "an error state and completes nothing twice; a completed id's shadow is no longer handed out.",
                    "Linux blkfront/netfront hardening (XSA-376); intel/MigTD PR #986"),
            Rule.must("FE-04",
                    "A response whose operation does not match its own request (the one its id names, with several "
                            + "requests of different operations outstanding) puts the frontend in an error state.",
                    "Linux xen/blkfront hardening (response has wrong operation), XSA-376"),
            Rule.must("FE-05",
                    "A frontend reads each response from the shared slot once (RING_COPY_RESPONSE) and acts only on "
                            + "that private copy.",
                    "Xen 60081862a8; Linux xen/blkfront and xen/netfront: read response from backend only once"),
            Rule.must("FE-06",
                    "A frontend never reads its own requests back from the shared page after pushing them.",
                    "Linux xen/netfront: don't read data from request on the ring page; xen/blkfront likewise"),
            Rule.must("FE-07",
                    "A response reporting a length larger than its request's buffer is rejected before it is used.",
                    "intel/MigTD PR #986 (clamp device-reported len); netfront hardening"));

    /** Creates the rule set (the catalogue does this once). */
    public RingRules() {
    }

    @Override
    public String area() {
        return "Shared rings";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}
