package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.ActiveEntry;
import io.pvkit.grant.internal.DomainGrants;
import io.pvkit.grant.internal.EntryProtocol;
import io.pvkit.grant.internal.FrameAlias;
import io.pvkit.grant.internal.Gntst;
import io.pvkit.grant.internal.Mapping;
import io.pvkit.grant.internal.Maptrack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The hypervisor side of v1 grant tables for a set of domains: map_grant_ref, unmap_grant_ref, copy,
 * setup_table, query_size, swap_grant_ref, the maptrack of every mapper, and teardown at domain death.
 *
 * <p><b>Statuses, not exceptions.</b> Every operation that takes guest-controlled input returns a GNTST
 * code (0 = okay, negative = the {@code GNTST_*} value Xen writes into the op's {@code status}); no
 * exception escapes for any argument a guest can choose. Programming errors of the hypervisor itself
 * (registering a domain twice, a table outside the domain's memory) throw.
 *
 * <p><b>Map protocol</b> (Xen {@code map_grant_ref} + {@code _set_status_v1}): validate the flags, the
 * granting domain, a maptrack handle and the reference range; then, when the entry is not yet pinned (or
 * a writable mapping is added to an entry pinned read-only), read the flags+domid word once and
 * compare-and-swap {@code GTF_reading} (and {@code GTF_writing}) into it, checking type, domid and
 * {@code GTF_readonly} on the value the swap replaces; up to 5 attempts, then {@code GNTST_general_error}
 * ("shared entry unstable"). At the first pin the frame is read once and kept in the active entry; every
 * later use of the entry acts on that snapshot, whatever the granter writes meanwhile (GNT-06).
 *
 * <p><b>Pins.</b> Each entry counts host/device/copy uses, read-only and writable separately (at most 127
 * each, as Xen's 8-bit counters). {@code GTF_writing} is cleared when the last writable use goes, and
 * {@code GTF_reading} when the last use goes, both with an atomic AND on the shared word.
 *
 * <p><b>Mappings die at unmap.</b> A host mapping is a {@link MemorySegment} aliasing the granted frame in
 * its own {@link Arena} ({@link MappingLifetime}); unmap closes that arena <em>before</em> it drops the
 * pin, so by the time the granter can revoke and reuse the page, every access through the old segment
 * throws {@link IllegalStateException}. A read-only mapping's segment is {@link MemorySegment#asReadOnly()
 * read-only}.
 *
 * <p><b>Teardown.</b> {@link #releaseDomain(int, int)} is bounded and resumable (XSA-380): it releases
 * every mapping the dying domain holds and revokes every mapping of its grants from the mappers (their
 * handles become stale: {@code GNTST_bad_handle}). The hypervisor may free the domain's memory only after
 * it returned true.
 *
 * <p>Thread safety: all methods may be called concurrently. Book-keeping is under one lock; closing a
 * shared arena and copying bytes happen outside it.
 */
public final class GrantTables {
    /** Default maximum number of mappings one domain may hold. */
    public static final int DEFAULT_MAPTRACK_LIMIT = 1024;
    /** {@code GNTMAP_host_map | GNTMAP_device_map}. */
    private static final int KINDS = GntMap.HOST_MAP | GntMap.DEVICE_MAP;

    private final Object lock = new Object();
    private DomainGrants[] domains = new DomainGrants[8];
    private final ArrayList<Pending> pending = new ArrayList<>();
    private final MappingLifetime defaultLifetime;
    private final int maptrackLimit;
    /** Makes a mapping's segment; a seam for tests that inject a failure (guarded by {@link #lock}). */
    BiFunction<MemorySegment, Arena, MemorySegment> aliaser = FrameAlias::alias;

    /** A host mapping whose confined arena must be closed by its owner thread before its pins drop. */
    private record Pending(Mapping mapping, Arena arena) {
    }

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
        this.defaultLifetime = Objects.requireNonNull(defaultLifetime, "defaultLifetime");
        if (maptrackLimit < 1 || maptrackLimit > Maptrack.MAX_LIMIT) {
            throw new IllegalArgumentException("maptrack limit must be 1.." + Maptrack.MAX_LIMIT);
        }
        this.maptrackLimit = maptrackLimit;
    }

    /**
     * Registers a domain. Its grant table occupies frames {@code tableBaseGfn .. tableBaseGfn+maxFrames-1}
     * of its own memory; one frame (512 references) is active until {@code setup_table} grows it.
     *
     * @param spec the domain (id, memory, privilege); its memory must stay open until
     *     {@link #releaseDomain} returned true
     * @param tableBaseGfn the first frame of the table area
     * @param maxFrames the maximum table size in frames (at least 1)
     * @throws IllegalArgumentException when the id is taken, or the area is outside memory
     */
    public void addDomain(DomainSpec spec, long tableBaseGfn, int maxFrames) {
        Objects.requireNonNull(spec, "spec");
        int domid = spec.domid();
        GuestMemory memory = spec.memory();
        if (maxFrames < 1 || tableBaseGfn < 0 || tableBaseGfn > memory.frames() - maxFrames) {
            throw new IllegalArgumentException("grant table frames " + tableBaseGfn + "+" + maxFrames
                    + " outside memory of " + memory.frames() + " frames");
        }
        synchronized (lock) {
            if (get(domid) != null) {
                throw new IllegalArgumentException("domain " + domid + " already registered");
            }
            if (domid >= domains.length) {
                domains = java.util.Arrays.copyOf(domains, Integer.highestOneBit(domid) * 2);
            }
            domains[domid] = new DomainGrants(domid, memory, spec.privileged(), tableBaseGfn, maxFrames,
                    maptrackLimit);
        }
    }

    /**
     * Whether {@code domid} is registered and not yet fully released.
     *
     * @param domid a domain id
     * @return true while the domain has grant state here
     */
    public boolean hasDomain(int domid) {
        synchronized (lock) {
            return get(domid) != null;
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
        synchronized (lock) {
            reapOwnLocked();
            DomainGrants d = target(caller, dom);
            if (d == null) {
                return Gntst.BAD_DOMAIN;
            }
            if (d.domid != caller && !privileged(caller)) {
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
        synchronized (lock) {
            DomainGrants d = target(caller, dom);
            if (d == null) {
                return new TableSize(Gntst.BAD_DOMAIN, 0, 0);
            }
            if (d.domid != caller && !privileged(caller)) {
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
     * @return {@code GNTST_bad_gntref} for a reference out of range, {@code GNTST_eagain} while either is
     *     pinned, else okay
     */
    public int swapGrantRef(int caller, long refA, long refB) {
        synchronized (lock) {
            DomainGrants d = live(caller);
            if (d == null) {
                return Gntst.BAD_DOMAIN;
            }
            // UNTRUSTED: both references are range-checked before the table is touched (XSA-18)
            if (refA < 0 || refA >= d.refLimit() || refB < 0 || refB >= d.refLimit()) {
                return Gntst.BAD_GNTREF;
            }
            int a = (int) refA;
            int b = (int) refB;
            if (pinned(d, a) || pinned(d, b)) {
                return Gntst.EAGAIN;
            }
            if (a != b) {
                long ga = d.entryGpa(a);
                long gb = d.entryGpa(b);
                long ea = d.memory.getLongVolatile(ga);
                long eb = d.memory.getLongVolatile(gb);
                d.memory.setLongVolatile(ga, eb);
                d.memory.setLongVolatile(gb, ea);
            }
            return Gntst.OKAY;
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
        synchronized (lock) {
            try {
                reapOwnLocked();
                return mapLocked(mapper, granterDomid, ref, flags, hostAddr, lifetime);
            } catch (RuntimeException e) {
                return MapResult.failed(Gntst.GENERAL_ERROR);
            }
        }
    }

    private MapResult mapLocked(int mapperId, int granterId, long ref, int flags, long hostAddr,
                                MappingLifetime lifetime) {
        DomainGrants mapper = live(mapperId);
        if (mapper == null) {
            return MapResult.failed(Gntst.GENERAL_ERROR);
        }
        // UNTRUSTED: flags select the kinds; neither host nor device is "bad gntref" (Xen)
        if ((flags & KINDS) == 0) {
            return MapResult.failed(Gntst.BAD_GNTREF);
        }
        if ((flags & (GntMap.APPLICATION_MAP | GntMap.CONTAINS_PTE)) != 0) {
            return MapResult.failed(Gntst.GENERAL_ERROR); // PV page-table forms; unsupported here
        }
        DomainGrants granter = granterId == DomId.SELF ? null : live(granterId);
        if (granter == null) {
            return MapResult.failed(Gntst.BAD_DOMAIN);
        }
        boolean readOnly = (flags & GntMap.READONLY) != 0;
        int kinds = flags & KINDS;
        Mapping m = new Mapping(mapper, granter, readOnly, hostAddr, kinds);
        if (mapper.maptrack.allocate(m) < 0) {
            return MapResult.failed(Gntst.NO_SPACE);
        }
        // UNTRUSTED: ref is range-checked against the active table size before any access (XSA-18)
        if (ref < 0 || ref >= granter.refLimit()) {
            mapper.maptrack.free(m);
            return MapResult.failed(Gntst.BAD_GNTREF);
        }
        int r = (int) ref;
        ActiveEntry act = granter.active(r);
        if (act.pins() > 0 && (act.domid != mapperId || act.nearOverflow())) {
            mapper.maptrack.free(m);
            return MapResult.failed(Gntst.GENERAL_ERROR);
        }
        // from here on, everything done is undone if anything throws: a failed map leaves no busy bit,
        // pin, handle, foreign-list entry or arena behind
        boolean statusSet = false;
        boolean pinned = false;
        Arena arena = null;
        try {
            boolean firstPin = act.pins() == 0;
            if (firstPin || (!readOnly && act.writers() == 0)) {
                int st = EntryProtocol.setStatus(granter, r, !firstPin, readOnly, mapperId, true);
                if (st != Gntst.OKAY) {
                    mapper.maptrack.free(m);
                    return MapResult.failed(st);
                }
                statusSet = true;
                if (firstPin) {
                    // UNTRUSTED: the frame is read once, after the CAS (the granter can no longer revoke),
                    // validated, and kept: later uses act on this snapshot (GNT-06)
                    long frame = Integer.toUnsignedLong(granter.memory.getIntVolatile(
                            granter.entryGpa(r) + GrantEntryV1Layout.FRAME_OFFSET));
                    if (frame >= granter.memory.frames()) {
                        EntryProtocol.clearAfterRelease(granter, r, act, !readOnly);
                        mapper.maptrack.free(m);
                        return MapResult.failed(Gntst.BAD_PAGE);
                    }
                    act.domid = mapperId;
                    act.frame = frame;
                }
            }
            MemorySegment segment = null;
            if ((kinds & GntMap.HOST_MAP) != 0) {
                arena = lifetime == MappingLifetime.CONFINED ? Arena.ofConfined() : Arena.ofShared();
                MemorySegment alias = aliaser.apply(granter.memory.frame(act.frame), arena);
                segment = readOnly ? alias.asReadOnly() : alias;
            }
            EntryProtocol.pin(act, kinds, readOnly, +1);
            pinned = true;
            m.ref = r;
            m.frame = act.frame;
            granter.addForeign(m);
            m.arena = arena;
            m.segment = segment;
            m.owner = arena != null && lifetime == MappingLifetime.CONFINED ? Thread.currentThread() : null;
            long devBusAddr = (kinds & GntMap.DEVICE_MAP) != 0 ? GuestMemory.gpaOf(act.frame) : 0;
            return new MapResult(Gntst.OKAY, m.handle, devBusAddr, segment);
        } catch (RuntimeException e) {
            rollbackMap(m, act, r, arena, statusSet, pinned);
            return MapResult.failed(Gntst.GENERAL_ERROR);
        }
    }

    /** Undoes a map that threw part-way: arena, foreign entry, pin, busy bits (set by this map), handle. */
    private static void rollbackMap(Mapping m, ActiveEntry act, int ref, Arena arena, boolean statusSet,
                                    boolean pinned) {
        if (arena != null) {
            try {
                arena.close();
            } catch (RuntimeException ignored) {
                // a fresh arena of this thread; nothing aliases it yet
            }
        }
        m.arena = null;
        m.segment = null;
        m.granter.removeForeign(m);
        if (pinned) {
            EntryProtocol.pin(act, m.kinds, m.readOnly, -1);
        }
        if (statusSet || pinned) {
            EntryProtocol.clearAfterRelease(m.granter, ref, act, !m.readOnly);
        }
        m.mapper.maptrack.free(m);
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
        Arena arena;
        synchronized (lock) {
            try {
                reapOwnLocked();
                DomainGrants mapper = live(mapperId);
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
                arena = detachLocked(m, removed);
            } catch (RuntimeException e) {
                return Gntst.GENERAL_ERROR;
            }
        }
        finishRelease(m, removed, arena);
        return Gntst.OKAY;
    }

    /** Takes {@code removed} kinds away from {@code m}; frees its handle when nothing remains. Pins stay. */
    private static Arena detachLocked(Mapping m, int removed) {
        m.kinds &= ~removed;
        Arena arena = null;
        if ((removed & GntMap.HOST_MAP) != 0) {
            arena = m.arena;
            m.arena = null;
            m.segment = null;
        }
        if (m.kinds == 0) {
            m.mapper.maptrack.free(m);
            m.granter.removeForeign(m);
        }
        m.granter.busy++;
        return arena;
    }

    /** Ends the segment (or defers that to its owner thread), then drops the pins of {@code removed}. */
    private void finishRelease(Mapping m, int removed, Arena arena) {
        if (arena != null && !closeArena(m, arena)) {
            synchronized (lock) {
                // the device part (if any) can go now; the host part waits for the owner thread
                unpinLocked(m, removed & ~GntMap.HOST_MAP, false);
                pending.add(new Pending(m, arena));
            }
            return;
        }
        synchronized (lock) {
            unpinLocked(m, removed, true);
        }
    }

    /** @return true when the arena is closed (or can never be used again), false when only its owner can close it */
    private static boolean closeArena(Mapping m, Arena arena) {
        if (m.owner == null || m.owner == Thread.currentThread()) {
            arena.close();
            return true;
        }
        // a confined segment is usable only by its owner: if that thread has ended, nobody can touch it
        return !m.owner.isAlive();
    }

    private static void unpinLocked(Mapping m, int kinds, boolean last) {
        if (kinds != 0) {
            ActiveEntry act = m.granter.active(m.ref);
            EntryProtocol.pin(act, kinds, m.readOnly, -1);
            EntryProtocol.clearAfterRelease(m.granter, m.ref, act, !m.readOnly);
        }
        if (last) {
            m.granter.busy--;
        }
    }

    /**
     * Closes the confined mapping arenas owned by the calling thread whose unmap or revocation came from
     * another thread, and releases their pins; also releases those whose owner thread has ended. Every
     * other operation of this class does this for its calling thread too.
     *
     * @return the number of mappings released
     */
    public int reap() {
        synchronized (lock) {
            return reapOwnLocked();
        }
    }

    private int reapOwnLocked() {
        if (pending.isEmpty()) {
            return 0;
        }
        int n = 0;
        Thread me = Thread.currentThread();
        for (int i = pending.size() - 1; i >= 0; i--) {
            Pending p = pending.get(i);
            Thread owner = p.mapping().owner;
            if (owner == me) {
                p.arena().close();
            } else if (owner.isAlive()) {
                continue;
            }
            pending.remove(i);
            unpinLocked(p.mapping(), GntMap.HOST_MAP, true);
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------- copy

    /**
     * GNTTABOP_copy of one element. Offsets and length are checked first ({@code GNTST_bad_copy_arg} when
     * offset + length crosses the frame); a zero length then succeeds without touching anything. A grant
     * side is acquired like a mapping (read for the source, write for the destination, so a read-only grant
     * as destination fails) and released after the copy; a frame side must name DOMID_SELF.
     *
     * @param caller the calling domain
     * @param op the element (untrusted)
     * @return a GNTST code
     */
    public int copy(int caller, GrantCopy op) {
        Objects.requireNonNull(op, "op");
        Side src;
        Side dst;
        synchronized (lock) {
            try {
                reapOwnLocked();
                DomainGrants self = live(caller);
                if (self == null) {
                    return Gntst.GENERAL_ERROR;
                }
                // UNTRUSTED: u16 offsets and length in the ABI (any int here), checked before any grant is
                // touched; each value is range-checked on its own and the sum is never formed (no overflow)
                if (!fitsInPage(op.sourceOffset(), op.length()) || !fitsInPage(op.destOffset(), op.length())) {
                    return Gntst.BAD_COPY_ARG;
                }
                if (op.length() == 0) {
                    return Gntst.OKAY;
                }
                src = new Side();
                int st = acquire(self, op.sourceRefOrGfn(), op.sourceDomid(),
                        (op.flags() & GntCopy.SOURCE_GREF) != 0, true, src);
                if (st != Gntst.OKAY) {
                    return st;
                }
                dst = new Side();
                st = acquire(self, op.destRefOrGfn(), op.destDomid(),
                        (op.flags() & GntCopy.DEST_GREF) != 0, false, dst);
                if (st != Gntst.OKAY) {
                    releaseLocked(src, true);
                    return st;
                }
            } catch (RuntimeException e) {
                return Gntst.GENERAL_ERROR;
            }
        }
        // both sides are pinned (GTF_reading/GTF_writing set), so neither granter can revoke during the copy;
        // the pins are released whatever happens, so a failed copy can never leave an entry busy
        int st = Gntst.OKAY;
        try {
            MemorySegment.copy(src.domain.memory.segment(), GuestMemory.gpaOf(src.frame) + op.sourceOffset(),
                    dst.domain.memory.segment(), GuestMemory.gpaOf(dst.frame) + op.destOffset(), op.length());
        } catch (RuntimeException e) {
            st = Gntst.GENERAL_ERROR;
        } finally {
            synchronized (lock) {
                releaseLocked(src, true);
                releaseLocked(dst, false);
            }
        }
        return st;
    }

    /** @return whether {@code [offset, offset + length)} lies inside one frame, without overflow */
    static boolean fitsInPage(int offset, int length) {
        return offset >= 0 && offset <= GuestMemory.PAGE_SIZE && length >= 0
                && length <= GuestMemory.PAGE_SIZE - offset;
    }

    /** One side of a copy while it is acquired. */
    private static final class Side {
        DomainGrants domain;
        long frame;
        int ref = -1;
    }

    private int acquire(DomainGrants self, long refOrGfn, int domid, boolean isGref, boolean readOnly, Side side) {
        if (!isGref) {
            // UNTRUSTED: only DOMID_SELF may name a frame directly (Xen gnttab_copy_lock_domain)
            if (domid != DomId.SELF) {
                return Gntst.PERMISSION_DENIED;
            }
            if (refOrGfn < 0 || refOrGfn >= self.memory.frames()) {
                return Gntst.BAD_PAGE;
            }
            side.domain = self;
            side.frame = refOrGfn;
            self.busy++;
            return Gntst.OKAY;
        }
        DomainGrants granter = domid == DomId.SELF ? self : live(domid);
        if (granter == null) {
            return Gntst.BAD_DOMAIN;
        }
        if (refOrGfn < 0 || refOrGfn >= granter.refLimit()) {
            return Gntst.BAD_GNTREF;
        }
        int ref = (int) refOrGfn;
        ActiveEntry act = granter.active(ref);
        if (act.pins() > 0 && (act.domid != self.domid || act.nearOverflow())) {
            return Gntst.GENERAL_ERROR;
        }
        boolean firstPin = act.pins() == 0;
        if (firstPin || (!readOnly && act.writers() == 0)) {
            int st = EntryProtocol.setStatus(granter, ref, !firstPin, readOnly, self.domid, false);
            if (st != Gntst.OKAY) {
                return st;
            }
            if (firstPin) {
                // UNTRUSTED: frame read once after the CAS and validated (as in map)
                long frame = Integer.toUnsignedLong(granter.memory.getIntVolatile(
                        granter.entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET));
                if (frame >= granter.memory.frames()) {
                    EntryProtocol.clearAfterRelease(granter, ref, act, !readOnly);
                    return Gntst.BAD_PAGE;
                }
                act.domid = self.domid;
                act.frame = frame;
            }
        }
        if (readOnly) {
            act.copyRead++;
        } else {
            act.copyWrite++;
        }
        side.domain = granter;
        side.frame = act.frame;
        side.ref = ref;
        granter.busy++;
        return Gntst.OKAY;
    }

    private static void releaseLocked(Side side, boolean readOnly) {
        if (side.ref >= 0) {
            ActiveEntry act = side.domain.active(side.ref);
            if (readOnly) {
                act.copyRead = Math.max(0, act.copyRead - 1);
            } else {
                act.copyWrite = Math.max(0, act.copyWrite - 1);
            }
            EntryProtocol.clearAfterRelease(side.domain, side.ref, act, !readOnly);
        }
        side.domain.busy--;
    }

    // -------------------------------------------------------------------------------------- teardown

    /**
     * Tears a dying domain's grant state down, at most {@code budget} mappings per call (preemptible, as
     * Xen's relinquish). From the first call on, the domain is refused as granter and mapper. Every mapping
     * it holds is released; every mapping of its grants held by other domains is revoked (their segments
     * die, their handles become stale).
     *
     * @param domid the dying domain
     * @param budget the maximum number of mappings to release in this call (at least 1)
     * @return true when nothing of the domain is left (its memory may be freed now); false to call again
     */
    public boolean releaseDomain(int domid, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive");
        }
        if (!DomId.isOrdinary(domid)) {
            return true;
        }
        for (int done = 0; done < budget; done++) {
            Mapping m;
            int removed;
            Arena arena;
            synchronized (lock) {
                reapOwnLocked();
                DomainGrants d = get(domid);
                if (d == null) {
                    return true;
                }
                d.dying = true;
                m = d.maptrack.any();
                if (m == null) {
                    m = d.anyForeign();
                }
                if (m == null) {
                    break;
                }
                removed = m.kinds;
                arena = detachLocked(m, removed);
            }
            finishRelease(m, removed, arena);
        }
        synchronized (lock) {
            reapOwnLocked();
            DomainGrants d = get(domid);
            if (d == null) {
                return true;
            }
            d.dying = true;
            if (d.maptrack.size() == 0 && d.foreignCount() == 0 && d.busy == 0) {
                domains[domid] = null;
                return true;
            }
            return false;
        }
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
        synchronized (lock) {
            DomainGrants d = get(granter);
            ActiveEntry a = d == null || ref < 0 ? null : d.peekActive(ref);
            return a == null ? PinCounts.NONE
                    : new PinCounts(a.hostRead, a.hostWrite, a.devRead, a.devWrite, a.copyRead, a.copyWrite);
        }
    }

    /**
     * The segment of a live host mapping, for a mapper that mapped through the hypercall interface and
     * needs the view of the frame (an in-process backend).
     *
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle (untrusted)
     * @return the segment (read-only for a read-only mapping), or null when the handle is not a live host
     *     mapping of {@code mapper}
     */
    public MemorySegment segmentOf(int mapper, int handle) {
        synchronized (lock) {
            DomainGrants d = live(mapper);
            Mapping m = d == null ? null : d.maptrack.lookup(handle);
            return m == null ? null : m.segment;
        }
    }

    /**
     * The number of mappings (handles) a domain holds.
     *
     * @param mapper the domain
     * @return its live maptrack entries, 0 for an unknown domain
     */
    public int mappingCount(int mapper) {
        synchronized (lock) {
            DomainGrants d = get(mapper);
            return d == null ? 0 : d.maptrack.size();
        }
    }

    // -------------------------------------------------------------------------------------- helpers

    private DomainGrants get(int domid) {
        return domid >= 0 && domid < domains.length ? domains[domid] : null;
    }

    private DomainGrants live(int domid) {
        DomainGrants d = get(domid);
        return d == null || d.dying ? null : d;
    }

    private DomainGrants target(int caller, int dom) {
        return live(dom == DomId.SELF ? caller : dom);
    }

    private boolean privileged(int caller) {
        DomainGrants c = live(caller);
        return c != null && c.privileged;
    }

    private static boolean pinned(DomainGrants d, int ref) {
        ActiveEntry a = d.peekActive(ref);
        return a != null && a.pins() > 0;
    }
}
