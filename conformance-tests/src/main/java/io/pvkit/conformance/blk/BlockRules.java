package io.pvkit.conformance.blk;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;

import java.util.List;

/**
 * The PV block backend rules (blkif): feature negotiation (BLK-01 .. BLK-04), request validation
 * (BLK-05 .. BLK-11, BLK-17), data path and response format (BLK-12, BLK-13), flush ordering and write-through
 * (BLK-14, BLK-15), indirect requests (BLK-16, BLK-17), ring producer overflow (BLK-18), teardown (BLK-19, BLK-21) and discard (BLK-20).
 * Tested by {@link BlockBackendVerification} through a scripted hostile frontend.
 */
public final class BlockRules implements RuleSet {

    private static final String BLKIF_H = "xen/include/public/io/blkif.h";
    private static final String BLKBACK = "Linux drivers/block/xen-blkback/blkback.c";
    private static final String XENBUS = "Linux drivers/block/xen-blkback/xenbus.c";

    private static final List<Rule> RULES = List.of(
            Rule.must("BLK-01",
                    "By InitWait the backend has published sectors (the image size in 512-byte sectors), sector-size "
                            + "512, info (VDISK_READONLY set exactly for a read-only device) and every feature key it "
                            + "offers as a well-formed unsigned decimal (max-ring-page-order, multi-queue-max-queues, "
                            + "feature-flush-cache, feature-max-indirect-segments, feature-persistent, feature-discard).",
                    BLKIF_H + " (Backend XenBus Nodes); " + XENBUS + " (xen_blkbk_probe, connect)"),
            Rule.must("BLK-02",
                    "A frontend asking for more than the backend offered (ring-page-order above max-ring-page-order, "
                            + "multi-queue-num-queues of 0 or above multi-queue-max-queues), or naming no ring-ref, no "
                            + "event-channel or an unknown protocol, is refused: the backend ends Closed with an error "
                            + "and never Connected.",
                    XENBUS + " (connect_ring, read_per_ring_refs: xenbus_dev_fatal); " + BLKIF_H + " (ring-page-order)"),
            Rule.must("BLK-03",
                    "A ring of 2^ring-page-order pages (up to the offered max-ring-page-order) is served over all of "
                            + "its slots, including the slots on its second and later pages.",
                    BLKIF_H + " (max-ring-page-order, ring-page-order, ring-refN); " + XENBUS + " (read_per_ring_refs)"),
            Rule.must("BLK-04",
                    "With multi-queue-num-queues n > 1 every queue is served on its own ring and event channel, and a "
                            + "request's response appears on the ring of the queue that carried it.",
                    BLKIF_H + " (multi-queue-max-queues, multi-queue-num-queues, queue-N/); " + XENBUS
                            + " (read_per_ring_refs per queue)"),
            Rule.must("BLK-05",
                    "A request with an unknown operation is answered BLKIF_RSP_ERROR or BLKIF_RSP_EOPNOTSUPP with the "
                            + "request's id, touches no data, and the next request on the ring is served.",
                    BLKBACK + " (__do_block_io_op: dispatch_other_io); " + BLKIF_H + " (BLKIF_RSP_EOPNOTSUPP)"),
            Rule.must("BLK-06",
                    "A READ or WRITE whose sector range ends past the end of the disk (or wraps) is answered "
                            + "BLKIF_RSP_ERROR with its id and touches neither the image nor the guest's pages.",
                    BLKBACK + " (xen_vbd_translate: end > vbd_sz)"),
            Rule.must("BLK-07",
                    "A segment with first_sect greater than last_sect or last_sect greater than 7 makes the request "
                            + "BLKIF_RSP_ERROR with its id and nothing of it is read or written.",
                    BLKIF_H + " (blkif_request_segment: first_sect, last_sect in 0..7); " + BLKBACK
                            + " (dispatch_rw_block_io: last_sect >= XEN_PAGE_SIZE >> 9 || nsec <= 0)"),
            Rule.must("BLK-08",
                    "A READ or WRITE with no segment, or a direct request with more than "
                            + "BLKIF_MAX_SEGMENTS_PER_REQUEST (11) segments, is answered BLKIF_RSP_ERROR with its id.",
                    BLKBACK + " (dispatch_rw_block_io: Bad number of segments in request); " + BLKIF_H),
            Rule.must("BLK-09",
                    "A segment naming a grant reference the frontend did not grant to the backend domain (an empty "
                            + "entry, an entry granted to another domain, a reference beyond the grant table) makes the "
                            + "request BLKIF_RSP_ERROR with its id, and no byte of the image changes.",
                    BLKBACK + " (xen_blkbk_map: map failure => BLKIF_RSP_ERROR); xen/include/public/grant_table.h"),
            Rule.must("BLK-10",
                    "A READ into a page the frontend granted read-only is answered BLKIF_RSP_ERROR with its id and the "
                            + "page is not written.",
                    BLKBACK + " (xen_blkbk_map: GNTMAP_readonly only for writes); xen/include/public/grant_table.h "
                            + "(GTF_readonly)"),
            Rule.must("BLK-11",
                    "A WRITE to a device opened read-only (mode r, info has VDISK_READONLY) is answered "
                            + "BLKIF_RSP_ERROR with its id and the image is unchanged.",
                    BLKBACK + " (xen_vbd_translate: operation != REQ_OP_READ && vbd->readonly); " + BLKIF_H
                            + " (VDISK_READONLY)"),
            Rule.must("BLK-12",
                    "A WRITE changes exactly the image sectors it names with the bytes of its segments' sector ranges, "
                            + "and a READ writes exactly the sector ranges of its segments in the guest's pages, leaving "
                            + "every other byte of the pages and of the image as it was.",
                    BLKIF_H + " (blkif_request, blkif_request_segment)"),
            Rule.must("BLK-13",
                    "Every request gets exactly one response, carrying the request's id and operation (an indirect "
                            + "request's operation or its indirect_op), a status of 0, -1 or -2, and zero padding bytes.",
                    BLKIF_H + " (blkif_response); " + BLKBACK + " (make_response); XSA-216 / CVE-2017-10911 "
                            + "(xen-blkback: do not leak stack data via response ring)"),
            Rule.must("BLK-14",
                    "When the backend offers feature-flush-cache, a BLKIF_OP_FLUSH_DISKCACHE (nr_segments 0) is answered "
                            + "OKAY, and only after every write acknowledged before the flush was issued is in the "
                            + "image file.",
                    BLKIF_H + " (feature-flush-cache, BLKIF_OP_FLUSH_DISKCACHE); " + BLKBACK
                            + " (REQ_PREFLUSH)"),
            Rule.should("BLK-15",
                    "A WRITE is answered only after its data reached the image file (the host page cache at least), "
                            + "so that another reader of the file sees it at the response.",
                    "pvkit durability promise (issue 12); " + BLKBACK + " (response at bio completion)"),
            Rule.must("BLK-16",
                    "When the backend offers feature-max-indirect-segments, a BLKIF_OP_INDIRECT READ or WRITE with up "
                            + "to that many segments in its indirect pages is served like the direct request it stands "
                            + "for.",
                    BLKIF_H + " (feature-max-indirect-segments, blkif_request_indirect); " + BLKBACK
                            + " (xen_blkbk_parse_indirect)"),
            Rule.must("BLK-17",
                    "An indirect request with more segments than offered, an indirect_op other than READ or WRITE, or "
                            + "an indirect page reference not granted to the backend is answered BLKIF_RSP_ERROR with "
                            + "its id and no byte of the image changes.",
                    BLKBACK + " (dispatch_rw_block_io: Invalid indirect operation, MAX_INDIRECT_SEGMENTS; "
                            + "xen_blkbk_parse_indirect)"),
            Rule.must("BLK-18",
                    "A frontend whose req_prod runs more than a ring's worth ahead of the responses breaks only its "
                            + "own ring: the backend produces no response beyond the ring, and another device of the "
                            + "same frontend keeps working.",
                    "xen/include/public/io/ring.h (RING_REQUEST_PROD_OVERFLOW); " + BLKBACK
                            + " (__do_block_io_op: -EACCES); XSA-155"),
            Rule.must("BLK-19",
                    "When the device is closed the backend ends every grant mapping of the frontend's ring and data "
                            + "pages: no entry the frontend granted is left with GTF_reading or GTF_writing set, and the "
                            + "backend's live mapping count returns to its value before the device was opened.",
                    XENBUS + " (xen_blkif_disconnect: xen_blkbk_free_caches, unmap rings); "
                            + "xen/include/public/grant_table.h (GTF_reading, GTF_writing)"),
            Rule.must("BLK-20",
                    "When the backend offers feature-discard, a BLKIF_OP_DISCARD inside the disk is answered OKAY or "
                            + "BLKIF_RSP_EOPNOTSUPP and changes no byte outside its sector range (a byte inside becomes "
                            + "zero or stays), and a discard past the end of the disk is answered BLKIF_RSP_ERROR and "
                            + "changes nothing.",
                    BLKIF_H + " (feature-discard, discard-granularity, BLKIF_OP_DISCARD, blkif_request_discard); "
                            + BLKBACK + " (dispatch_discard_io)"),
            Rule.must("BLK-21",
                    "When the frontend domain is destroyed with requests in flight and its device is then closed, "
                            + "the backend ends every mapping of the dead domain's grants (its live mapping count "
                            + "returns to its value before the device was opened) and keeps serving other frontends.",
                    XENBUS + " (frontend_changed / xen_blkif_disconnect); Xen xen/common/domain.c (a dying domain "
                            + "stays a zombie while its pages are mapped); issue 12 (a frontend that disappears "
                            + "mid-I/O leaves no leaked grant mapping)"));

    private static final String NOTES = """
            The scripted frontend acts as a guest of the hypervisor the backend runs on: it grants pages to the
            backend domain, allocates an unbound event channel for it, builds the blkif ring(s) in its own memory,
            pushes requests through the `blkif_request` layouts and waits (bounded) for responses. The xenbus handshake
            is abstracted as key/value maps (`BlockDeviceSession.backendKeys()` / `connect(Map)`), so a backend that
            reads the frontend's keys from xenstore runs the same rules as one that takes them directly.

            Known difference with the issue-12 contract: the contract says a response to an indirect request echoes
            `BLKIF_OP_INDIRECT` "as Linux blkback does"; Linux's blkback answers with the `indirect_op` (it sets
            `pending_req->operation = req_operation`). BLK-13 accepts either for an indirect request and exactly the
            request's operation otherwise.

            Not covered here: a frontend that rewrites a request slot after the backend read it (double fetch, XSA-155).
            The kit cannot stand between a backend and the frontend's ring page it mapped; the ring-level rule RING-04
            (`BackRingVerification`) covers a backend built on a ring library that takes a `MemoryAccess`, and pvkit's
            `SharedBackRing` copies each slot once. Persistent grants are negotiated only in BLK-19 (when offered), so
            a backend that keeps mappings for persistent grants is checked only for releasing them at close.

            BLK-15 is a SHOULD: blkif lets a backend with a volatile write cache acknowledge a write before it reaches
            the file, as long as `feature-flush-cache` is offered and a flush writes it out (BLK-14). A backend with
            such a cache that answers the flush too early fails both.
            """;

    /** Creates the rule set (the catalogue does this once). */
    public BlockRules() {
    }

    @Override
    public String area() {
        return "Block device (blkif backend)";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }

    @Override
    public String notes() {
        return NOTES;
    }
}
