package io.pvkit.conformance.grant;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;

import java.util.List;

/**
 * The grant-table rules: every grant case of the adversarial catalogue (section 7.3: GNT-01 .. GNT-11,
 * GNT-13, GNT-14; GNT-12 is about v2 and not covered), the frontend grant rules FE-09 and FE-10, and the
 * semantics of map, copy, setup and the hypercall interface beyond the catalogue (GNT-15 .. GNT-17), the
 * model-based GNT-18, the release of a view under in-flight I/O (GNT-19), the hostile-entry rules GNT-20
 * (no double fetch, bounded compare-and-swap) and GNT-21 (no frame consumed before its entry is published),
 * GNT-22 (a dying domain stays dead), the statuses of map and unmap arguments, multi-frame tables, batches,
 * operations on other domains and copy sides (GNT-23 .. GNT-27), the frontend's grant entries (GNT-28), the pin
 * counters' overflow bound (GNT-29), stale handles of reused maptrack slots (GNT-30), swap_grant_ref (GNT-31), and
 * the granting guest's own table (FE-11 .. FE-16: publishing, end of access, its race with a map, the allocator,
 * refused grants, query), what a backend reads and writes through a host mapping (GNT-32 .. GNT-36:
 * contents, bounds, read-only mappings, the end of a mapping, accesses in flight), the release of mappings
 * (GNT-37 .. GNT-39: partial unmaps, a release with nothing in flight, releases that wait for accesses in flight),
 * and the pins of a copy in progress (GNT-40, GNT-41) and a copy into an entry the grantee holds read-only
 * (GNT-42), a teardown that waits for copies in flight (GNT-43), and grant operations of two vCPUs on one entry at
 * once (GNT-44).
 * Tested by {@link GrantTableVerification}.
 */
public final class GrantRules implements RuleSet {

    private static final List<Rule> RULES = List.of(
            Rule.must("GNT-01",
                    "A grant reference at or beyond the table size (including 0xFFFFFFFF) in map, copy or "
                            + "swap_grant_ref yields GNTST_bad_gntref and touches no entry, while the references at "
                            + "both ends of the table (0, unless the toolstack granted it, and the last one below its "
                            + "size) map.",
                    "XSA-18 / CVE-2012-3516 (4b9e508290); xen/common/grant_table.c"),
            Rule.must("GNT-02",
                    "A map by a domain that is not the entry's grantee, or naming the wrong or an unknown granting "
                            + "domain, fails with a negative status and never a zero or positive one.",
                    "XSA-316 (da0c66c8f4; XTF xsa-316)"),
            Rule.must("GNT-03",
                    "A read-only grant can be neither mapped writable nor used as a copy destination, and such a "
                            + "failed attempt leaves no GTF_reading or GTF_writing behind.",
                    "xen/include/public/grant_table.h (GTF_readonly); XSA-234"),
            Rule.must("GNT-04",
                    "Unmapping a read-only mapping, or only the host or only the device part of a mapping, keeps "
                            + "GTF_writing set while any writable mapping of the entry remains, and a writable map of an "
                            + "entry mapped only read-only sets it, whatever the mix and order of host and device uses.",
                    "XSA-234 (XTF xsa-234); XSA-224 / CVE-2017-10920 (11fc7ccb72)"),
            Rule.must("GNT-05",
                    "GTF_reading stays set, and the granter's revoke keeps failing, while any mapping of the entry "
                            + "exists, and is cleared when the last one is unmapped.",
                    "XSA-218 (9a0bd460cf); XSA-230 (6e2a4c7356)"),
            Rule.must("GNT-06",
                    "While an entry is in use the hypervisor acts on its snapshot of the entry, so a granter that "
                            + "rewrites frame, domid or flags changes nothing until the entry is unused, and a read-only "
                            + "use of the pinned entry leaves the shared entry as the granter wrote it; the first "
                            + "writable use of a pinned entry checks only GTF_readonly on the word it swaps (not its "
                            + "type or domid) and adds only GTF_writing.",
                    "XSA-500 / CVE-2026-62428 (61b0a59ce2); xen/common/grant_table.c (_set_status_v1: \"If not "
                            + "already pinned, check the grant domid and type\")"),
            Rule.must("GNT-07",
                    "The granter's revoke (a compare-and-swap of the flags to 0) fails while the entry is mapped "
                            + "and succeeds after the unmap, after which the entry can no longer be mapped.",
                    "xen/include/public/grant_table.h (invalidating an in-use entry); XSA-396"),
            Rule.must("GNT-08",
                    "An unmap with a bogus or stale handle, a second unmap of the same handle, and an unmap after "
                            + "the granter died yield GNTST_bad_handle and never disturb another mapping's counts.",
                    "XSA-218 (b7f6cbb9d4); 975a8fb45c"),
            Rule.must("GNT-09",
                    "When a domain's maptrack is exhausted a map yields GNTST_no_space, and mapping works again "
                            + "after an unmap; once every mapping was unmapped, the whole limit can be mapped again, one "
                            + "slot freed and taken hundreds of times keeps mapping, and at every fill level a handle "
                            + "above every handle issued is GNTST_bad_handle.",
                    "XSA-218/XSA-228 (02cbeeb620)"),
            Rule.must("GNT-10",
                    "A batched copy writes a status for every element: GNTST_bad_copy_arg for an element that "
                            + "crosses a page, success without any access for a zero-length element.",
                    "a4a790f432 (zero-size copy); XSA-318 (d6f22d5d9e)"),
            Rule.must("GNT-11",
                    "A transitive or sub-page entry in a v1 table is never followed or mapped: map and copy fail "
                            + "promptly with a negative status.",
                    "XSA-226 (999d2ccb7f, ad48fb963d); XSA-411 (6e3aab858e)"),
            Rule.must("GNT-13",
                    "A setup_table or get_status_frames with a huge nr_frames is refused after checking the "
                            + "count against the maximum and the output array, without writing any frame number.",
                    "XSA-382 / CVE-2021-28699 (ec820035b8)"),
            Rule.must("GNT-14",
                    "When a domain dies, every mapping it holds is released (its granters can revoke again) and "
                            + "every mapping of its grants is torn down (the mappers' handles become invalid), however "
                            + "many of either it has.",
                    "XSA-380 / CVE-2021-28698 (b1ee10be56)"),
            Rule.should("GNT-15",
                    "An in-process view of a host mapping is read-only for a read-only map and throws on any "
                            + "access after unmap, every view of the mapping (asked for once or more).",
                    "pvkit ARCHITECTURE.md (pv-grant); xen/include/public/grant_table.h (GNTMAP_readonly)"),
            Rule.must("GNT-16",
                    "query_size reports the current and maximum table frames, setup_table grows the table up to "
                            + "the maximum and reports distinct frames (with 0 frames it is okay and writes nothing), "
                            + "and an unprivileged domain cannot set up another domain's table.",
                    "xen/include/public/grant_table.h (GNTTABOP_setup_table, GNTTABOP_query_size)"),
            Rule.must("GNT-17",
                    "A grant_table_op whose argument array lies outside the caller's memory returns -EFAULT, "
                            + "a count of zero returns 0 without any access, and a count with the top bit set "
                            + "returns -EINVAL without any access.",
                    "xen/common/grant_table.c (do_grant_table_op: (int)count < 0, copy_from_guest)"),
            Rule.must("GNT-18",
                    "Over any sequence of grant, map, unmap, copy, revoke and domain death, only the current "
                            + "grantee maps or copies, revoke succeeds exactly when nothing is mapped, and the busy "
                            + "bits of every entry match its live mappings.",
                    "xen/include/public/grant_table.h; xen/common/grant_table.c (model of map/unmap/copy)"),
            Rule.must("GNT-19",
                    "An unmap, or the mapper's death, while the in-process view of a mapping is in use by I/O "
                            + "neither drops the pin while the view lives (the granter cannot revoke) nor leaks it: "
                            + "once the I/O completed and the implementation settled, the entry is idle and the view "
                            + "throws.",
                    "XSA-218 (9a0bd460cf: unmap order); pvkit ARCHITECTURE.md (pv-grant: mappings die at unmap)"),
            Rule.must("GNT-20",
                    "A map or copy of an entry not yet in use reads its flags+domid word once and checks type, "
                            + "domid and GTF_readonly on the value its compare-and-swap replaces, reads its frame "
                            + "once and uses the value it validated, and gives up with a negative status after a "
                            + "bounded number of failed compare-and-swaps, so a granter that rewrites the entry "
                            + "between two reads gets nothing it did not grant and cannot keep the hypervisor looping.",
                    "xen/common/grant_table.c (_set_status_v1: one read, cmpxchg on the value checked, "
                            + "\"Shared grant entry is unstable\" after 4 retries); XSA-155 (double fetch class)"),
            Rule.must("GNT-21",
                    "The frame of an entry is read only after the compare-and-swap that pinned the entry succeeded: "
                            + "a frame read before the entry was seen valid (the granter publishes frame first, flags "
                            + "last) is never used.",
                    "xen/include/public/grant_table.h (publish order: frame, wmb(), flags); "
                            + "xen/common/grant_table.c (frame read after _set_status)"),
            Rule.must("GNT-22",
                    "From the start of a domain's teardown until it is gone, even while the teardown waits for a "
                            + "view in use, the domain can map nothing and no other domain can map or copy its "
                            + "grants: the dying state is final, so nothing appears behind the teardown's walk.",
                    "xen/common/grant_table.c (gnttab_release_mappings runs on a dying domain: d->is_dying); "
                            + "XSA-380"),
            Rule.must("GNT-23",
                    "A map whose flags name neither host nor device map is GNTST_bad_gntref, one naming a granter "
                            + "that does not exist (or DOMID_SELF) GNTST_bad_domain, and a host map with "
                            + "GNTMAP_contains_pte whose host_addr is in no page table of the mapper GNTST_general_error, "
                            + "each leaving no busy bit; an unmap whose host_addr or "
                            + "dev_bus_addr is not the mapping's fails and keeps the mapping, and one naming neither "
                            + "part is okay and unmaps nothing.",
                    "xen/common/grant_table.c (map_grant_ref: \"Bad flags in grant map op\", rcu_lock_domain_by_id; "
                            + "unmap_common: dev_bus_addr check, replace_grant_host_mapping, op->done); "
                            + "xen/arch/x86/mm.c (create_grant_pte_mapping: \"Grant map attempted to update a non-L1 "
                            + "page\"); xen/arch/x86/hvm/grant_table.c (create_grant_p2m_mapping: flags other than "
                            + "host_map and readonly)"),
            Rule.must("GNT-24",
                    "After setup_table grew the table, reference 512 + k is slot k of the second listed frame (512 "
                            + "included): map and copy act on that entry only, an entry pinned before the table grew "
                            + "keeps its pin until its unmap, and the first reference beyond the table is "
                            + "GNTST_bad_gntref.",
                    "xen/include/public/grant_table.h (GNTTABOP_setup_table, grant_entry_v1); "
                            + "xen/common/grant_table.c (shared_entry_v1, nr_grant_entries)"),
            Rule.must("GNT-25",
                    "A batch longer than one call's work is continued to its end: every element gets its status, "
                            + "the guest sees 0, and nothing after the last element is read or written; setup_table "
                            + "and query_size with a count other than 1 are -EINVAL, and an unknown command is -ENOSYS.",
                    "xen/common/grant_table.c (do_grant_table_op: hypercall_create_continuation, default -ENOSYS; "
                            + "gnttab_setup_table, gnttab_query_size: count != 1)"),
            Rule.must("GNT-26",
                    "query_size and setup_table name an existing domain (else GNTST_bad_domain) that is the caller "
                            + "unless the caller is privileged (else GNTST_permission_denied); get_version answers 1, "
                            + "-ESRCH or -EPERM likewise; set_version accepts 1, refuses 0 and 3 with -EINVAL, and "
                            + "reports the version in use; setup_table of exactly the maximum is allowed.",
                    "xen/common/grant_table.c (gnttab_query_size, gnttab_setup_table, gnttab_get_version, "
                            + "gnttab_set_version; XSM_TARGET)"),
            Rule.must("GNT-27",
                    "A copy side given as a frame names the caller's own memory, frame 0 included (else "
                            + "GNTST_permission_denied or GNTST_bad_page, from the first frame past it on; all 64 bits "
                            + "of the frame count, while a reference is only the low 32), "
                            + "a granter that does not exist is GNTST_bad_domain, only the grantee "
                            + "copies an entry, a copy into a read-only-mapped writable grant sets GTF_writing only "
                            + "while it runs, and an entry whose frame is not the granter's is GNTST_bad_page for map "
                            + "and copy with no busy bit left; each side's GNTCOPY_*_gref flag alone decides reference "
                            + "or frame (DOMID_SELF names the caller's own table), and every case answers and acts the "
                            + "same at a reference's first use and at a later one.",
                    "xen/common/grant_table.c (gnttab_copy_lock_domain, gnttab_copy_claim_buf, "
                            + "acquire_grant_for_copy: unlock_out_clear; map_grant_ref: get_paged_frame)"),
            Rule.must("FE-09",
                    "A frontend's end of foreign access is a compare-and-swap that fails while the grant is "
                            + "mapped, reports the page as still in use, and leaves the grant valid.",
                    "XSA-396 / CVE-2022-23036..23042 (Linux 33172ab50a53, 66e3531b33ee)"),
            Rule.must("FE-10",
                    "A frontend shares a page only after zeroing it, so a backend never sees stale data.",
                    "XSA-403 / CVE-2022-33740..33742"),
            Rule.must("GNT-28",
                    "A frontend's shared page is a grant entry that names exactly the grantee, the frame and "
                            + "GTF_permit_access (with GTF_readonly only when asked), at a reference outside the "
                            + "reserved 0..7 that no other live grant holds and that is not handed out again while "
                            + "its end of access failed.",
                    "xen/include/public/grant_table.h (GNTTAB_NR_RESERVED_ENTRIES, grant_entry_v1); "
                            + "Linux drivers/xen/grant-table.c (gnttab_grant_foreign_access_ref, get_free_entries)"),
            Rule.must("GNT-29",
                    "One entry mapped by its grantee again and again with one kind of mapping (host or device, "
                            + "read-only or writable) takes 128 mappings, and the 129th is refused with "
                            + "GNTST_general_error (an 8-bit pin counter is never allowed past its top bit), leaving "
                            + "the busy bits and the existing mappings as they were, and a copy that adds to a host "
                            + "counter at that bound is refused likewise (a copy from the entry adds to the host "
                            + "read-only counter, one into it to the host writable one), while only the counters a use "
                            + "adds to are checked (with one counter at its bound, every other kind of mapping of the "
                            + "entry and the copy in the other direction go ahead) and after an unmap the entry can be "
                            + "mapped again.",
                    "xen/common/grant_table.c (map_grant_ref and acquire_grant_for_copy: \"risk of counter "
                            + "overflow\", GNTPIN_incr2oflow_mask(pin_incr), GNTPIN_cntr_width)"),
            Rule.should("GNT-30",
                    "A handle of an unmapped mapping stays stale after its maptrack slot was reused, hundreds of "
                            + "times: unmapping it, even with the host address the newer mapping of that slot has, "
                            + "yields GNTST_bad_handle and leaves the newer mapping in place, and no newer mapping gets "
                            + "it (the handle tells the slot's mappings apart; Xen's bare-index handles do not).",
                    "pvkit pv-grant README (stale handles: a maptrack slot's generation); "
                            + "xen/common/grant_table.c (unmap_common: the handle is the maptrack index)"),
            Rule.should("GNT-31",
                    "swap_grant_ref exchanges two whole entries of the caller's table, is GNTST_bad_gntref for "
                            + "either reference beyond the table and okay without any change for a reference swapped "
                            + "with itself (reference 0 included), and is GNTST_eagain with both entries unchanged while either is mapped.",
                    "xen/common/grant_table.c (gnttab_swap_grant_ref, swap_grant_ref: \"Bad ref-a\", \"Bad ref-b\", "
                            + "\"Just return success\", \"ref a busy\")"),
            Rule.must("FE-11",
                    "A granting guest publishes an entry as grant_table.h says: frame and domid first, then the flags "
                            + "GTF_permit_access (with GTF_readonly only when asked) with an ordered store, so the entry "
                            + "is never valid with a frame or grantee it does not grant; it writes no other entry, and a "
                            + "reserved reference (0..7) is written the same way.",
                    "xen/include/public/grant_table.h (\"Introducing a valid entry into the grant table\": domid, "
                            + "frame, wmb(), flags); Linux drivers/xen/grant-table.c (gnttab_update_entry_v1)"),
            Rule.must("FE-12",
                    "A granting guest's end of access answers still in use while the grantee has the entry mapped and "
                            + "leaves the whole entry as it was, answers revoked after the unmap with the flags 0, and "
                            + "answers not granted, changing nothing, for a reference that is not its live grant (never "
                            + "handed out, reserved, beyond the table, or already ended).",
                    "xen/include/public/grant_table.h (\"Invalidating an unused GTF_permit_access entry\"); Linux "
                            + "drivers/xen/grant-table.c (gnttab_end_foreign_access_ref_v1); XSA-396"),
            Rule.must("FE-13",
                    "An end of access racing the grantee's map has exactly one winner: when the map lands between the "
                            + "end's read of the flags and its write, the end answers still in use and the entry and "
                            + "the mapping stay; otherwise the map fails and the end answers revoked.",
                    "xen/include/public/grant_table.h (CMPXCHG(&ent->flags, flags, 0)); Linux "
                            + "drivers/xen/grant-table.c (gnttab_end_foreign_access_ref_v1: the cmpxchg loop); XSA-396"),
            Rule.must("FE-14",
                    "A granting guest's allocator hands out each reference of its table outside 0..7 once, on every "
                            + "table frame, answers no free reference when all are in use without writing any entry, "
                            + "takes a reference back only when its end of access answered revoked, and only once, and "
                            + "counts its free references exactly.",
                    "Linux drivers/xen/grant-table.c (get_free_entries, put_free_entry, gnttab_free_count, "
                            + "GNTTAB_NR_RESERVED_ENTRIES)"),
            Rule.should("FE-15",
                    "A granting guest refuses, without writing any entry or taking a reference, a grant it cannot "
                            + "make: a reserved-reference grant outside 0..7, a grantee that is not an ordinary domain, "
                            + "a frame outside its memory (its frame 0 and its last frame are granted).",
                    "xen/include/public/grant_table.h (GNTTAB_NR_RESERVED_ENTRIES); xen/include/public/xen.h "
                            + "(DOMID_FIRST_RESERVED)"),
            Rule.must("FE-16",
                    "A granting guest's query of an entry reports it as it is in its memory: the flags with the "
                            + "GTF_reading and GTF_writing the hypervisor set while the grantee maps it, the domid and "
                            + "the frame.",
                    "Linux drivers/xen/grant-table.c (gnttab_query_foreign_access); "
                            + "xen/include/public/grant_table.h (GTF_reading, GTF_writing)"),
            Rule.must("GNT-32",
                    "Through a host mapping, a backend in the hypervisor's process reads the granter's bytes and writes "
                            + "into the granter's frame at once and nowhere else: every byte, and 16-, 32- and 64-bit "
                            + "values little-endian at every offset (no alignment), bulk copies and channel transfers of "
                            + "exactly the bytes asked for, the same for every accessor of the mapping.",
                    "xen/include/public/grant_table.h (GNTTABOP_map_grant_ref: host_addr maps the granted frame); "
                            + "pvkit pv-grant GrantView"),
            Rule.must("GNT-33",
                    "An access through a host mapping that would reach outside its 4096 bytes (a negative offset, an "
                            + "end past the frame, a negative length) throws IndexOutOfBoundsException before anything "
                            + "moves: the frame, its neighbours in the granter's memory and the channel are unchanged.",
                    "xen/common/grant_table.c (gnttab_copy: \"copy beyond page area\"); pvkit pv-grant GrantView"),
            Rule.must("GNT-34",
                    "A read-only host mapping (GNTMAP_readonly, whether or not the grant is read-only) refuses every "
                            + "write through it (scalar, bulk copy in, channel read into the frame) by throwing, and the "
                            + "granter's frame stays unchanged.",
                    "xen/include/public/grant_table.h (GNTMAP_readonly); XSA-234"),
            Rule.must("GNT-35",
                    "Once a host mapping is unmapped, or its mapper torn down, or its granter dead, every access "
                            + "through it (every accessor asked for it, even after its handle or slot serves a new "
                            + "mapping) throws IllegalStateException and no write reaches the frame.",
                    "XSA-218 (9a0bd460cf); pvkit ARCHITECTURE.md (pv-grant: touching a mapping after unmap throws)"),
            Rule.must("GNT-36",
                    "A channel transfer through a host mapping that is in flight when the mapping is unmapped or its "
                            + "mapper destroyed completes, and keeps GTF_reading (and GTF_writing for a writable "
                            + "mapping) set and the grant unrevocable until it returned; then, once settled, the entry "
                            + "is idle and the mapping refuses accesses.",
                    "XSA-218 (9a0bd460cf: unmap order); pvkit pv-grant GrantView (accesses in flight hold the pins)"),
            Rule.must("GNT-37",
                    "Unmapping only the device part of a host and device mapping leaves its host part mapped: every "
                            + "accessor of the host mapping (asked for before or after that unmap) still reads and "
                            + "writes the granted frame and the entry keeps GTF_reading (and GTF_writing for a writable "
                            + "mapping) until the host part's own unmap, which ends the accessors and idles the entry; "
                            + "unmapping only the host part ends its accessors while the device part keeps the entry "
                            + "pinned until its own unmap.",
                    "xen/common/grant_table.c (unmap_common: GNTMAP_device_map and GNTMAP_host_map released "
                            + "separately, op->done; unmap_common_complete drops the pins of op->done only)"),
            Rule.must("GNT-38",
                    "An unmap of a host mapping through which no access is in flight, made by the thread that mapped "
                            + "it or after that thread has ended, whatever accessors were asked for it (its view and its "
                            + "mapped frame, each more than once), ends them and clears GTF_reading and GTF_writing "
                            + "before it returns: the granter can revoke at once, with no settle in between.",
                    "xen/common/grant_table.c (gnttab_unmap_grant_ref: unmap_common then unmap_common_complete "
                            + "in the same hypercall: the pins and GTF_reading/GTF_writing go before it returns)"),
            Rule.must("GNT-39",
                    "A release that waits for accesses in flight waits for each of them and only for them: an access "
                            + "in flight through any accessor of a mapping (its mapped frame while its view is idle) "
                            + "keeps GTF_reading/GTF_writing set across the unmap and across settle, several mappings "
                            + "released while their accesses are in flight each become idle once their own access "
                            + "returned and the implementation settled, while the others stay pinned, and an accessor "
                            + "left working on the mapping's thread after another thread unmapped is never working "
                            + "once the entry is idle.",
                    "XSA-218 (9a0bd460cf: unmap order); xen/common/grant_table.c (unmap_common_complete: each "
                            + "mapping's pins dropped by its own completion); pvkit pv-grant MappingRelease"),
            Rule.must("GNT-40",
                    "A copy in progress pins each grant entry it uses as a host mapping of its direction does: while it "
                            + "runs the entry keeps GTF_reading (and GTF_writing for its destination) whatever the "
                            + "grantee maps and unmaps meanwhile, a map by another domain is refused, and the grantee's "
                            + "own maps succeed; the bits clear only when the copy and the last mapping are gone.",
                    "xen/common/grant_table.c (acquire_grant_for_copy: act->pin += GNTPIN_hstr_inc / GNTPIN_hstw_inc "
                            + "until release_grant_for_copy; map_grant_ref: act->domid while act->pin; "
                            + "unmap_common_complete: GTF_writing and GTF_reading cleared only when act->pin has no such "
                            + "use left)"),
            Rule.must("GNT-41",
                    "A copy in progress counts towards the bound of the host pin counter of its direction: with the "
                            + "copy holding an entry and 127 host mappings of that direction (read-only for its source, "
                            + "writable for its destination), the next such mapping is GNTST_general_error and changes no "
                            + "busy bit; after the copy it succeeds.",
                    "xen/common/grant_table.c (acquire_grant_for_copy adds GNTPIN_hstr_inc / GNTPIN_hstw_inc; "
                            + "map_grant_ref: act->pin & GNTPIN_incr2oflow_mask(pin_incr), GNTPIN_cntr_width)"),
            Rule.must("GNT-42",
                    "A copy into an entry that the grantee holds only read-only is the entry's first writable use: "
                            + "it is GNTST_general_error, writing nothing, when the entry's word has GTF_readonly (a "
                            + "read-only grant, or one the granter made read-only since), and goes ahead, setting "
                            + "GTF_writing only while it runs, when the granter re-granted the pinned entry to another "
                            + "domain since (type and domid are checked only at the first pin).",
                    "xen/common/grant_table.c (acquire_grant_for_copy: _set_status when !(act->pin & "
                            + "(GNTPIN_hstw_mask | GNTPIN_devw_mask)); _set_status_v1: \"Attempt to write-pin a r/o "
                            + "grant entry\", \"If not already pinned, check the grant domid and type\")"),
            Rule.must("GNT-43",
                    "A domain's teardown does not complete while another domain's copy that uses one of its grants "
                            + "(as source or destination) is in flight on another vCPU: the destroy returns only after "
                            + "that copy returned, whatever other copies start and end meanwhile; the copy returns a "
                            + "status (it may fail, writing nothing), never an exception, and a copy that answered "
                            + "GNTST_okay moved every byte.",
                    "xen/common/grant_table.c (gnttab_copy: gnttab_copy_lock_domains holds each domain "
                            + "(rcu_lock_domain_by_id) and acquire_grant_for_copy a page reference until "
                            + "gnttab_copy_release_buf's put_page and release_grant_for_copy; a dying domain's page is "
                            + "freed only when its last reference drops)"),
            Rule.must("GNT-44",
                    "Grant operations of two vCPUs on one entry at once (a map, unmap or copy of the grantee, or the "
                            + "granter's swap_grant_ref, while another vCPU's map, unmap or copy of the entry is between "
                            + "its reads and writes of it) each end okay (a swap: okay or GNTST_eagain) and leave the "
                            + "entry's GTF_reading/GTF_writing matching its live mappings and copies, so that the "
                            + "granter's revoke fails exactly while one exists, whichever of them waits for the other.",
                    "xen/common/grant_table.c (active_entry_acquire held across the pin update and the status update "
                            + "in map_grant_ref, unmap_common_complete, acquire_grant_for_copy and "
                            + "release_grant_for_copy, and across the act->pin check and the swap in "
                            + "gnttab_swap_grant_ref)"));

    /** Creates the rule set (the catalogue does this once). */
    public GrantRules() {
    }

    @Override
    public String area() {
        return "Grant tables";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}
