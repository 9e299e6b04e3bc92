package io.pvkit.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.grant.internal.ActiveEntry;
import io.pvkit.grant.internal.CheckedCursor;
import io.pvkit.grant.internal.CopiesInFlight;
import io.pvkit.grant.internal.CopyOperation;
import io.pvkit.grant.internal.DomainGrants;
import io.pvkit.grant.internal.Gntst;
import io.pvkit.grant.internal.GrantMapEvent;
import io.pvkit.grant.internal.MapOperation;
import io.pvkit.grant.internal.Mapping;
import io.pvkit.grant.internal.MappingRelease;
import io.pvkit.grant.internal.PinUnderflowException;
import io.pvkit.grant.internal.Registry;
import io.pvkit.grant.internal.Teardown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The hypervisor side of v1 grant tables for a set of domains: map_grant_ref, unmap_grant_ref, copy,
 * setup_table, query_size, swap_grant_ref, the maptrack of every mapper, and teardown at domain death.
 *
 * <p><b>Statuses, not exceptions.</b> Every operation that takes guest-controlled input returns a GNTST
 * code (0 = okay, negative = the {@code GNTST_*} value Xen writes into the op's {@code status}); no
 * exception escapes for any argument a guest can choose. Programming errors of the hypervisor itself
 * (registering a domain twice, a table outside the domain's memory) throw. An unexpected exception inside
 * an operation (a bug, or a platform failure such as making a view) is reported to the
 * {@link ErrorHandler} and the operation returns {@code GNTST_general_error}; a pin count that would drop
 * below zero (a double release) throws {@link IllegalStateException} instead of being clamped.
 *
 * <p><b>Map protocol</b> (Xen {@code map_grant_ref} + {@code _set_status_v1}): validate the flags, the
 * granting domain, a maptrack handle and the reference range; then, when the entry is not yet pinned (or
 * a writable mapping is added to an entry pinned read-only), read the flags+domid word once and
 * compare-and-swap {@code GTF_reading} (and {@code GTF_writing}) into it, checking type, domid and
 * {@code GTF_readonly} on the value the swap replaces; up to 5 attempts, then {@code GNTST_general_error}
 * ("shared entry unstable"). At the first pin the frame is read once and kept in the active entry; every
 * later use of the entry acts on that snapshot, whatever the granter writes meanwhile (GNT-06).
 *
 * <p><b>Pins.</b> Each entry counts host/device/copy uses, read-only and writable separately (at most 128
 * each, as Xen's 8-bit counters, which refuse a pin while their top bit is set). {@code GTF_writing} is cleared when the last writable use goes, and
 * {@code GTF_reading} when the last use goes, both with an atomic AND on the shared word.
 *
 * <p><b>Mappings die at unmap.</b> A SHARED or CONFINED host mapping is a {@link MemorySegment} aliasing
 * the granted frame in its own {@link Arena} ({@link MappingLifetime}); unmap closes that arena
 * <em>before</em> it drops the pin, so by the time the granter can revoke and reuse the page, every access
 * through the old segment throws {@link IllegalStateException}. A read-only mapping's segment is
 * {@link MemorySegment#asReadOnly() read-only}. A CHECKED host mapping is a {@link GrantView} instead,
 * revoked at unmap with one atomic instruction; the pin drops once no access through it is in flight. A
 * {@link GrantCursor} ({@link #newCursor()}) reaches any CHECKED mapping by handle without a view object, so that
 * {@link #mapHandle}, access and {@link #unmap} allocate nothing.
 *
 * <p><b>Teardown.</b> {@link #releaseDomain(int, int)} is bounded and resumable (XSA-380): it releases
 * every mapping the dying domain holds and revokes every mapping of its grants from the mappers (their
 * handles become stale: {@code GNTST_bad_handle}). The hypervisor may free the domain's memory only after
 * it returned true.
 *
 * <p>Thread safety: all methods may be called concurrently. Book-keeping is under one lock; closing a
 * shared arena and copying bytes happen outside it. A copy of entries already used before takes no global lock
 * at all: each grant side is acquired and released under that entry's own lock (Xen's active-entry lock), and
 * teardown waits for copies in flight through a per-thread announcement.
 */
public final class GrantTables {
    /** Default maximum number of mappings one domain may hold. */
    public static final int DEFAULT_MAPTRACK_LIMIT = 1024;

    private final Registry registry;
    private final MappingRelease release;
    private final MapOperation mapOp;
    private final CopyOperation copyOp;
    private final Teardown teardown;
    private final MappingLifetime defaultLifetime;
    private final ErrorHandler errorHandler;

    /** Shared mapping arenas and the default maptrack limit. */
    public GrantTables() {
        this(MappingLifetime.SHARED, DEFAULT_MAPTRACK_LIMIT);
    }

    /**
     * Creates an empty set of grant tables.
     *
     * @param defaultLifetime the lifetime of mappings made without an explicit one
     * @param maptrackLimit the maximum number of mappings each domain may hold (1 .. 2^20)
     */
    public GrantTables(MappingLifetime defaultLifetime, int maptrackLimit) {
        this(defaultLifetime, maptrackLimit, ErrorHandler.logging());
    }

    /**
     * Creates an empty set of grant tables.
     *
     * @param defaultLifetime the lifetime of mappings made without an explicit one
     * @param maptrackLimit the maximum number of mappings each domain may hold (1 .. 2^20)
     * @param errorHandler receives every unexpected exception an operation turns into
     *     {@code GNTST_general_error} ({@link ErrorHandler#logging()} by default)
     */
    public GrantTables(MappingLifetime defaultLifetime, int maptrackLimit, ErrorHandler errorHandler) {
        this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
        this.defaultLifetime = Objects.requireNonNull(defaultLifetime, "defaultLifetime");
        this.registry = new Registry(maptrackLimit);
        this.release = new MappingRelease(registry);
        this.mapOp = new MapOperation(registry, release);
        CopiesInFlight inFlight = new CopiesInFlight();
        this.copyOp = new CopyOperation(registry, release, inFlight);
        this.teardown = new Teardown(registry, release, inFlight);
    }

    /** Test seam: replaces how a mapping's view is made (to inject a failure). */
    void aliaser(BiFunction<MemorySegment, Arena, MemorySegment> aliaser) {
        synchronized (registry) {
            mapOp.aliaser = aliaser;
        }
    }

    /**
     * Registers a domain. Its grant table occupies frames {@code tableBaseGfn .. tableBaseGfn+maxFrames-1}
     * of its own memory; one frame (512 references) is active until {@code setup_table} grows it. The grant
     * entries are read and written through {@code spec.memory()} itself.
     *
     * @param spec the domain (id, memory, privilege); its memory must stay open until
     *     {@link #releaseDomain} returned true
     * @param tableBaseGfn the first frame of the table area
     * @param maxFrames the maximum table size in frames (at least 1)
     * @throws IllegalArgumentException when the id is taken, or the area is outside memory
     */
    public void addDomain(DomainSpec spec, long tableBaseGfn, int maxFrames) {
        Objects.requireNonNull(spec, "spec");
        addDomain(spec, spec.memory(), tableBaseGfn, maxFrames);
    }

    /**
     * Registers a domain whose grant entries are reached through {@code entries}: every access to the
     * shared protocol fields of its table (the flags+domid word and the frame of each entry, which the
     * domain may rewrite at any time) goes through that seam, while the frames it grants (views of
     * mappings, bytes of copies) come from {@code spec.memory()}. Pass {@code spec.memory()} itself in
     * production (what {@link #addDomain(DomainSpec, long, int)} does); a test passes a view that stands
     * between the hypervisor and the entries, such as the conformance kit's {@code HostileMemory}, to count
     * the reads of an entry and change it between two reads on purpose.
     *
     * @param spec the domain (id, memory, privilege); its memory must stay open until
     *     {@link #releaseDomain} returned true
     * @param entries the accesses to the domain's grant entries; it must address the same bytes as
     *     {@code spec.memory()} (same size, same contents)
     * @param tableBaseGfn the first frame of the table area
     * @param maxFrames the maximum table size in frames (at least 1)
     * @throws IllegalArgumentException when the id is taken, the area is outside memory, or {@code entries}
     *     has another size than the domain's memory
     */
    public void addDomain(DomainSpec spec, MemoryAccess entries, long tableBaseGfn, int maxFrames) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(entries, "entries");
        int domid = spec.domid();
        GuestMemory memory = spec.memory();
        if (maxFrames < 1 || tableBaseGfn < 0 || tableBaseGfn > memory.frames() - maxFrames) {
            throw new IllegalArgumentException("grant table frames " + tableBaseGfn + "+" + maxFrames
                    + " outside memory of " + memory.frames() + " frames");
        }
        if (entries.byteSize() != memory.byteSize()) {
            throw new IllegalArgumentException("the entries' view has " + entries.byteSize()
                    + " bytes, the domain's memory " + memory.byteSize());
        }
        synchronized (registry) {
            registry.addLocked(new DomainGrants(domid, memory, entries, spec.privileged(), tableBaseGfn, maxFrames,
                    registry.maptrackLimit));
        }
    }

    /**
     * Whether {@code domid} is registered and not yet fully released.
     *
     * @param domid a domain id
     * @return true while the domain has grant state here
     */
    public boolean hasDomain(int domid) {
        synchronized (registry) {
            return registry.getLocked(domid) != null;
        }
    }

    // ------------------------------------------------------------------------------------------ setup

    /**
     * GNTTABOP_setup_table: grows {@code dom}'s table to at least {@code nrFrames} frames and reports the
     * frame numbers of the first {@code nrFrames} frames.
     *
     * @param caller the calling domain
     * @param dom the target domain or DOMID_SELF (another domain only for a privileged caller)
     * @param nrFrames the number of frames wanted (u32, untrusted)
     * @param frameListOut receives the frame numbers; must hold {@code nrFrames} entries (else
     *     {@code GNTST_bad_virt_addr}, nothing written)
     * @return a GNTST code
     */
    public int setupTable(int caller, int dom, long nrFrames, long[] frameListOut) {
        synchronized (registry) {
            release.reapOwnLocked();
            DomainGrants d = registry.targetLocked(caller, dom);
            if (d == null) {
                return Gntst.BAD_DOMAIN;
            }
            if (d.domid != caller && !registry.privilegedLocked(caller)) {
                return Gntst.PERMISSION_DENIED;
            }
            // UNTRUSTED: nrFrames is checked against the maximum and the output capacity before any write
            if (nrFrames < 0 || nrFrames > d.maxFrames) {
                return Gntst.GENERAL_ERROR;
            }
            if (frameListOut == null || frameListOut.length < nrFrames) {
                return Gntst.BAD_VIRT_ADDR;
            }
            d.nrFrames = Math.max(d.nrFrames, (int) nrFrames);
            for (int i = 0; i < nrFrames; i++) {
                frameListOut[i] = d.tableBaseGfn + i;
            }
            return Gntst.OKAY;
        }
    }

    /**
     * GNTTABOP_query_size.
     *
     * @param caller the calling domain
     * @param dom the target domain or DOMID_SELF (another domain only for a privileged caller)
     * @return the status and, on success, the current and maximum frame counts
     */
    public TableSize querySize(int caller, int dom) {
        synchronized (registry) {
            DomainGrants d = registry.targetLocked(caller, dom);
            if (d == null) {
                return new TableSize(Gntst.BAD_DOMAIN, 0, 0);
            }
            if (d.domid != caller && !registry.privilegedLocked(caller)) {
                return new TableSize(Gntst.PERMISSION_DENIED, 0, 0);
            }
            return new TableSize(Gntst.OKAY, d.nrFrames, d.maxFrames);
        }
    }

    /**
     * GNTTABOP_swap_grant_ref: swaps two entries of the caller's own table, refused while either is in use.
     *
     * @param caller the calling domain (its own table)
     * @param refA a reference (untrusted)
     * @param refB a reference (untrusted)
     * @return {@code GNTST_bad_gntref} for a reference out of range; okay for {@code refA == refB} (a no-op,
     *     as in Xen, even while pinned); {@code GNTST_eagain} while either is pinned; else okay
     */
    public int swapGrantRef(int caller, long refA, long refB) {
        synchronized (registry) {
            DomainGrants d = registry.liveLocked(caller);
            if (d == null) {
                return Gntst.BAD_DOMAIN;
            }
            // UNTRUSTED: both references are range-checked before the table is touched (XSA-18)
            if (refA < 0 || refA >= d.refLimit() || refB < 0 || refB >= d.refLimit()) {
                return Gntst.BAD_GNTREF;
            }
            int a = (int) refA;
            int b = (int) refB;
            if (a == b) {
                return Gntst.OKAY; // swapping a reference with itself is a no-op, pinned or not (Xen)
            }
            // both entries' locks (in reference order) across the check and the swap: a lock-free copy cannot pin
            // either in between (an entry never created cannot be pinned: it is created under this monitor)
            ActiveEntry lo = d.peekActive(Math.min(a, b));
            ActiveEntry hi = d.peekActive(Math.max(a, b));
            lockIfPresent(lo);
            try {
                lockIfPresent(hi);
                try {
                    if (pinned(lo) || pinned(hi)) {
                        return Gntst.EAGAIN;
                    }
                    long ga = d.entryGpa(a);
                    long gb = d.entryGpa(b);
                    // UNTRUSTED: each entry is read once, as a whole, and written back swapped (the granter's own
                    // table)
                    long ea = d.shared.getLongVolatile(ga);
                    long eb = d.shared.getLongVolatile(gb);
                    d.shared.setLongVolatile(ga, eb);
                    d.shared.setLongVolatile(gb, ea);
                    return Gntst.OKAY;
                } finally {
                    unlockIfPresent(hi);
                }
            } finally {
                unlockIfPresent(lo);
            }
        }
    }

    // -------------------------------------------------------------------------------------------- map

    /**
     * GNTTABOP_map_grant_ref with the default {@link MappingLifetime}.
     *
     * @param mapper the mapping (calling) domain
     * @param granterDomid the granting domain ({@code dom}; DOMID_SELF is not accepted, as in Xen)
     * @param ref the grant reference (u32, untrusted)
     * @param flags GNTMAP_* bits (untrusted)
     * @param hostAddr where the mapping appears for the mapper (recorded; unmap must name it)
     * @return the status, handle, device address and segment
     */
    public MapResult map(int mapper, int granterDomid, long ref, int flags, long hostAddr) {
        return map(mapper, granterDomid, ref, flags, hostAddr, defaultLifetime);
    }

    /**
     * GNTTABOP_map_grant_ref.
     *
     * @param mapper the mapping (calling) domain
     * @param granterDomid the granting domain
     * @param ref the grant reference (u32, untrusted)
     * @param flags GNTMAP_* bits (untrusted)
     * @param hostAddr where the mapping appears for the mapper (recorded; unmap must name it)
     * @param lifetime how the returned segment is ended at unmap
     * @return the status, handle, device address and segment
     */
    public MapResult map(int mapper, int granterDomid, long ref, int flags, long hostAddr, MappingLifetime lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (!GrantMapEvent.COMPILED_IN) {
            return mapUnderLock(mapper, granterDomid, ref, flags, hostAddr, lifetime);
        }
        final GrantMapEvent event = new GrantMapEvent();
        if (event.isEnabled()) {
            event.begin();
        }
        final MapResult result = mapUnderLock(mapper, granterDomid, ref, flags, hostAddr, lifetime);
        if (event.isEnabled()) {
            event.end();
            if (event.shouldCommit()) {
                event.mapper = mapper;
                event.granter = granterDomid;
                event.ref = ref;
                event.flags = flags;
                event.shared = lifetime == MappingLifetime.SHARED;
                event.status = result.status();
                event.commit();
            }
        }
        return result;
    }

    private MapResult mapUnderLock(int mapper, int granterDomid, long ref, int flags, long hostAddr,
                                   MappingLifetime lifetime) {
        synchronized (registry) {
            try {
                release.reapOwnLocked();
                int st = mapOp.mapLocked(mapper, granterDomid, ref, flags, hostAddr, lifetime, false);
                if (st != Gntst.OKAY) {
                    return MapResult.failed(st);
                }
                Mapping m = mapOp.mapped;
                return new MapResult(Gntst.OKAY, m.handle, mapOp.mappedDevBusAddr, m.segment, m.view);
            } catch (RuntimeException e) {
                unexpected(e);
                return MapResult.failed(Gntst.GENERAL_ERROR);
            }
        }
    }

    /**
     * GNTTABOP_map_grant_ref that answers only the handle, allocating nothing in steady state (the hypercall
     * interface's shape: a status or a handle in one {@code int}). The lifetime is the table's default; for
     * {@link MappingLifetime#CHECKED} no view object is made at map time: {@link #viewOf} makes it on its first
     * call for the handle, and {@link #segmentOf} a segment, as for any CHECKED mapping. A backend that maps to
     * hand the frame to a device ({@code GNTMAP_device_map}), or maps and unmaps without touching the page through
     * a view, then pays no allocation per map at all (the mapping's book-keeping object is reused per maptrack
     * slot). SHARED and CONFINED host mappings still make their arena and segment at map time.
     *
     * @param mapper the mapping (calling) domain
     * @param granterDomid the granting domain
     * @param ref the grant reference (u32, untrusted)
     * @param flags GNTMAP_* bits (untrusted)
     * @param hostAddr where the mapping appears for the mapper (recorded; unmap must name it)
     * @return the handle (at least 0) on success, else the negative GNTST code
     */
    public int mapHandle(int mapper, int granterDomid, long ref, int flags, long hostAddr) {
        if (!GrantMapEvent.COMPILED_IN) {
            return mapHandleUnderLock(mapper, granterDomid, ref, flags, hostAddr);
        }
        final GrantMapEvent event = new GrantMapEvent();
        if (event.isEnabled()) {
            event.begin();
        }
        final int result = mapHandleUnderLock(mapper, granterDomid, ref, flags, hostAddr);
        if (event.isEnabled()) {
            event.end();
            if (event.shouldCommit()) {
                event.mapper = mapper;
                event.granter = granterDomid;
                event.ref = ref;
                event.flags = flags;
                event.shared = defaultLifetime == MappingLifetime.SHARED;
                event.status = Math.min(result, 0);
                event.commit();
            }
        }
        return result;
    }

    private int mapHandleUnderLock(int mapper, int granterDomid, long ref, int flags, long hostAddr) {
        synchronized (registry) {
            try {
                release.reapOwnLocked();
                int st = mapOp.mapLocked(mapper, granterDomid, ref, flags, hostAddr, defaultLifetime, true);
                return st == Gntst.OKAY ? mapOp.mapped.handle : st;
            } catch (RuntimeException e) {
                unexpected(e);
                return Gntst.GENERAL_ERROR;
            }
        }
    }

    /**
     * The device address of a live device mapping (the hypercall's {@code dev_bus_addr} after
     * {@link #mapHandle}).
     *
     * @return the frame's guest-physical address, or 0 when {@code handle} is not a live device mapping
     */
    long devBusAddr(int mapper, int handle) {
        synchronized (registry) {
            DomainGrants d = registry.liveLocked(mapper);
            Mapping m = d == null ? null : d.maptrack.lookup(handle);
            return m == null || (m.kinds & GntMap.DEVICE_MAP) == 0 ? 0 : GuestMemory.gpaOf(m.frame);
        }
    }

    // ------------------------------------------------------------------------------------------ unmap

    /**
     * GNTTABOP_unmap_grant_ref of every kind (host and device) the handle maps.
     *
     * @param mapper the domain that holds the mapping
     * @param handle the handle from map (untrusted)
     * @return okay, or {@code GNTST_bad_handle} for a bad, stale or already-unmapped handle
     */
    public int unmap(int mapper, int handle) {
        return unmapKinds(mapper, handle, 0, 0, true);
    }

    /**
     * GNTTABOP_unmap_grant_ref with Xen's partial semantics: the device mapping goes when
     * {@code devBusAddr} is non-zero (it must equal the mapped frame's address), the host mapping when
     * {@code hostAddr} is non-zero (it must equal the address given at map); with both zero nothing is
     * unmapped. The handle is freed when no kind remains.
     *
     * @param mapper the domain that holds the mapping
     * @param handle the handle from map (untrusted)
     * @param hostAddr the host address of the mapping, or 0
     * @param devBusAddr the device address of the mapping, or 0
     * @return okay, {@code GNTST_bad_handle}, or {@code GNTST_general_error} for a mismatching address
     */
    public int unmap(int mapper, int handle, long hostAddr, long devBusAddr) {
        return unmapKinds(mapper, handle, hostAddr, devBusAddr, false);
    }

    private int unmapKinds(int mapperId, int handle, long hostAddr, long devBusAddr, boolean all) {
        Mapping m;
        int removed;
        boolean outside;
        synchronized (registry) {
            try {
                release.reapOwnLocked();
                DomainGrants mapper = registry.liveLocked(mapperId);
                // UNTRUSTED: the handle is looked up with its generation; stale and double unmaps miss
                m = mapper == null ? null : mapper.maptrack.lookup(handle);
                if (m == null) {
                    return Gntst.BAD_HANDLE;
                }
                if (all) {
                    removed = m.kinds;
                } else {
                    if (devBusAddr != 0 && devBusAddr != GuestMemory.gpaOf(m.frame)) {
                        return Gntst.GENERAL_ERROR;
                    }
                    if (hostAddr != 0 && (m.kinds & GntMap.HOST_MAP) != 0 && hostAddr != m.hostAddr) {
                        return Gntst.GENERAL_ERROR;
                    }
                    removed = (devBusAddr != 0 ? GntMap.DEVICE_MAP : 0) | (hostAddr != 0 ? GntMap.HOST_MAP : 0);
                    removed &= m.kinds;
                    if (removed == 0) {
                        return Gntst.OKAY;
                    }
                }
                outside = release.detachLocked(m, removed);
                if (!outside) {
                    release.finishLocked(m, removed); // no arena to close: the whole release under this lock
                }
            } catch (RuntimeException e) {
                unexpected(e);
                return Gntst.GENERAL_ERROR;
            }
        }
        if (outside) {
            release.finish(m, removed);
        }
        return Gntst.OKAY;
    }

    /**
     * Ends the views whose end was deferred and that can end now, and drops their pins: CONFINED views owned
     * by the calling thread (or whose owner thread has ended), and SHARED views whose in-flight I/O has let
     * go of them. Every other operation does the CONFINED part for its calling thread; only this method and
     * {@link #releaseDomain} retry SHARED views (each attempt costs a JVM-wide handshake), so a backend that
     * unmaps a view while its own I/O may still use it calls this once that I/O completed.
     *
     * @return the number of mappings released
     */
    public int reap() {
        return release.reap();
    }

    // ------------------------------------------------------------------------------------------- copy

    /**
     * GNTTABOP_copy of one element. A zero length succeeds first, without any other check or access (Xen's
     * order); then offsets and length are checked ({@code GNTST_bad_copy_arg} when offset + length crosses
     * the frame). A grant
     * side is acquired like a mapping (read for the source, write for the destination, so a read-only grant
     * as destination fails) and released after the copy; a frame side must name DOMID_SELF.
     *
     * @param caller the calling domain
     * @param op the element (untrusted)
     * @return a GNTST code
     */
    public int copy(int caller, GrantCopy op) {
        Objects.requireNonNull(op, "op");
        return copy(caller, op.sourceRefOrGfn(), op.sourceDomid(), op.sourceOffset(), op.destRefOrGfn(),
                op.destDomid(), op.destOffset(), op.length(), op.flags());
    }

    /** {@link #copy(int, GrantCopy)} with the element's fields as primitives (the hypercall's allocation-free path). */
    int copy(int caller, long sourceRefOrGfn, int sourceDomid, int sourceOffset, long destRefOrGfn, int destDomid,
             int destOffset, int length, int flags) {
        try {
            return copyOp.copy(caller, sourceRefOrGfn, sourceDomid, sourceOffset, destRefOrGfn, destDomid, destOffset,
                    length, flags);
        } catch (RuntimeException e) {
            unexpected(e);
            return Gntst.GENERAL_ERROR;
        }
    }

    /**
     * Reports an unexpected exception to the error handler; a corrupted pin count (a double release) is
     * rethrown after that: the book-keeping no longer describes the mappings, and going on would hide it.
     */
    private void unexpected(RuntimeException e) {
        errorHandler.onError(e);
        if (e instanceof PinUnderflowException) {
            throw e;
        }
    }

    // -------------------------------------------------------------------------------------- teardown

    /**
     * Marks a domain dying without releasing anything yet (Xen's {@code d->is_dying} at the start of
     * {@code domain_kill}): from now on it is refused as granter and mapper, so no new mapping of its grants
     * appears while its teardown waits for other work (vCPUs to stop, backends to let go, views in use by
     * I/O). {@link #releaseDomain} does the releasing and also marks the domain; a hypervisor whose teardown
     * starts with other steps calls this first. The mark is final.
     *
     * @param domid the domain
     * @return true when the domain is known here (dying now), false when it is unknown
     */
    public boolean markDying(int domid) {
        synchronized (registry) {
            io.pvkit.grant.internal.DomainGrants d = registry.getLocked(domid);
            if (d == null) {
                return false;
            }
            d.dying = true;
            return true;
        }
    }

    /**
     * Tears a dying domain's grant state down, at most {@code budget} mappings per call (preemptible, as
     * Xen's relinquish). From the first call on, the domain is refused as granter and mapper. Every mapping
     * it holds is released; every mapping of its grants held by other domains is revoked (their segments
     * die, their handles become stale). A mapping whose view cannot end yet (a CONFINED view owned by a live
     * thread, a SHARED view held by in-flight I/O) keeps its pins, and this method keeps returning false
     * until that view has ended (it retries each call).
     *
     * @param domid the dying domain
     * @param budget the maximum number of mappings to release in this call (at least 1)
     * @return true when nothing of the domain is left (its memory may be freed now); false to call again
     */
    public boolean releaseDomain(int domid, int budget) {
        return teardown.releaseDomain(domid, budget);
    }

    // --------------------------------------------------------------------------------------- observe

    /**
     * The pin counts of one entry (for observation and tests).
     *
     * @param granter the granting domain
     * @param ref the reference
     * @return the counts; {@link PinCounts#NONE} for an unknown domain or an unused entry
     */
    public PinCounts pins(int granter, int ref) {
        synchronized (registry) {
            DomainGrants d = registry.getLocked(granter);
            ActiveEntry a = d == null || ref < 0 ? null : d.peekActive(ref);
            if (a == null) {
                return PinCounts.NONE;
            }
            a.lock();
            try {
                return new PinCounts(a.hostRead, a.hostWrite, a.devRead, a.devWrite, a.copyRead, a.copyWrite);
            } finally {
                a.unlock();
            }
        }
    }

    /**
     * The segment of a live host mapping, for a mapper that mapped through the hypercall interface and
     * needs the view of the frame (an in-process backend). For a {@link MappingLifetime#CHECKED} mapping the
     * segment is made on the first call, in its own shared arena (as for SHARED), and dies at unmap with the
     * mapping's {@link GrantView}; only that mapping's unmap then pays a shared arena's close. So a backend
     * whose table maps CHECKED by default (every map through the hypercall interface does) takes a segment
     * for a long-lived page, such as a ring, and the cheap {@link #viewOf view} for per-request pages.
     *
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle (untrusted)
     * @return the segment (read-only for a read-only mapping), or null when the handle is not a live host
     *     mapping of {@code mapper}
     */
    public MemorySegment segmentOf(int mapper, int handle) {
        synchronized (registry) {
            DomainGrants d = registry.liveLocked(mapper);
            Mapping m = d == null ? null : d.maptrack.lookup(handle);
            if (m == null || !m.checked) {
                return m == null ? null : m.segment;
            }
            try {
                return mapOp.segmentOfCheckedLocked(m);
            } catch (RuntimeException e) {
                unexpected(e);
                return null;
            }
        }
    }

    /**
     * The checked view of a live {@link MappingLifetime#CHECKED} host mapping, for a mapper that mapped through
     * the hypercall interface or {@link #mapHandle} (the counterpart of {@link #segmentOf} for that lifetime); a
     * mapping made by {@code mapHandle} gets its view on the first call, and the same view afterwards.
     *
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle (untrusted)
     * @return the view, or null when the handle is not a live CHECKED host mapping of {@code mapper}
     */
    public GrantView viewOf(int mapper, int handle) {
        synchronized (registry) {
            DomainGrants d = registry.liveLocked(mapper);
            Mapping m = d == null ? null : d.maptrack.lookup(handle);
            return m == null ? null : mapOp.viewOfLocked(m);
        }
    }

    /**
     * A new cursor over these tables, confined to the calling thread: bound by {@link GrantCursor#bind} to one
     * live {@link MappingLifetime#CHECKED} host mapping at a time (any mapping of these tables, by mapper and
     * handle), it reads and writes that mapping's frame as its {@link GrantView} would, and throws once that
     * mapping is unmapped. With {@link #mapHandle} and {@link #unmap} it makes map, access and unmap allocate
     * nothing: keep one cursor per worker thread and rebind it for every request.
     *
     * @return an unbound cursor (every access throws until it is bound)
     */
    public GrantCursor newCursor() {
        return new CheckedCursor(registry, release);
    }

    /**
     * The number of mappings (handles) a domain holds.
     *
     * @param mapper the domain
     * @return its live maptrack entries, 0 for an unknown domain
     */
    public int mappingCount(int mapper) {
        synchronized (registry) {
            DomainGrants d = registry.getLocked(mapper);
            return d == null ? 0 : d.maptrack.size();
        }
    }

    // -------------------------------------------------------------------------------------- helpers

    private static boolean pinned(ActiveEntry a) {
        return a != null && a.pins() > 0;
    }

    private static void lockIfPresent(ActiveEntry a) {
        if (a != null) {
            a.lock();
        }
    }

    private static void unlockIfPresent(ActiveEntry a) {
        if (a != null) {
            a.unlock();
        }
    }
}
