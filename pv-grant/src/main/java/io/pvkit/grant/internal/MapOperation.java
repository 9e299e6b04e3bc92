package io.pvkit.grant.internal;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.MappingLifetime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BiFunction;

/**
 * GNTTABOP_map_grant_ref (Xen {@code map_grant_ref} + {@code _set_status_v1}): validation, the entry CAS,
 * the frame snapshot at the first pin, the view, and the rollback of a map that throws part-way.
 */
public final class MapOperation {
    /** {@code GNTMAP_host_map | GNTMAP_device_map}. */
    private static final int KINDS = GntMap.HOST_MAP | GntMap.DEVICE_MAP;

    /**
     * The mapping of the last successful {@link #mapLocked} (read by the caller under the same lock hold); a
     * field instead of a result object, so that a map allocates nothing besides its view.
     */
    public Mapping mapped;
    /** The device address of the last successful {@link #mapLocked} ({@code GNTMAP_device_map}), else 0. */
    public long mappedDevBusAddr;

    private final Registry registry;
    private final MappingRelease release;
    /** Makes a mapping's view; a seam for tests that inject a failure (guarded by the registry lock). */
    public BiFunction<MemorySegment, Arena, MemorySegment> aliaser = FrameAlias::alias;

    /**
     * @param registry the domains
     * @param release the release path (a checked view tells it when its last access in flight ends)
     */
    public MapOperation(Registry registry, MappingRelease release) {
        this.registry = registry;
        this.release = release;
    }

    /**
     * Maps {@code ref} of {@code granterId} for {@code mapperId}. Caller holds the lock. Throws only for a bug
     * (after undoing everything this map did). On success the mapping is {@link #mapped} (and its device address
     * {@link #mappedDevBusAddr}) until the next map.
     *
     * @param lifetime how the host view ends: a confined or shared arena, or a checked view
     * @param lazyView for a CHECKED host mapping, make no view now ({@link #viewOfLocked} makes it on request)
     * @return a GNTST code
     */
    public int mapLocked(int mapperId, int granterId, long ref, int flags, long hostAddr,
                         MappingLifetime lifetime, boolean lazyView) {
        DomainGrants mapper = registry.liveLocked(mapperId);
        if (mapper == null) {
            return Gntst.GENERAL_ERROR;
        }
        // UNTRUSTED: flags select the kinds; neither host nor device is "bad gntref" (Xen)
        if ((flags & KINDS) == 0) {
            return Gntst.BAD_GNTREF;
        }
        if ((flags & (GntMap.APPLICATION_MAP | GntMap.CONTAINS_PTE)) != 0) {
            return Gntst.GENERAL_ERROR; // PV page-table forms; unsupported here
        }
        DomainGrants granter = granterId == DomId.SELF ? null : registry.liveLocked(granterId);
        if (granter == null) {
            return Gntst.BAD_DOMAIN;
        }
        boolean readOnly = (flags & GntMap.READONLY) != 0;
        int kinds = flags & KINDS;
        Mapping m = mapper.maptrack.allocate(mapper, granter, readOnly, hostAddr, kinds);
        if (m == null) {
            return Gntst.NO_SPACE;
        }
        // UNTRUSTED: ref is range-checked against the active table size before any access (XSA-18)
        if (ref < 0 || ref >= granter.refLimit()) {
            mapper.maptrack.free(m);
            return Gntst.BAD_GNTREF;
        }
        int r = (int) ref;
        ActiveEntry act = granter.active(r);
        // the entry's own lock from the pin check to the pin: a lock-free copy of the same entry sees either no
        // pin and no busy bit of this map, or both
        act.lock();
        try {
            return pinLocked(mapper, granter, m, r, act, readOnly, kinds, lifetime, lazyView);
        } finally {
            act.unlock();
        }
    }

    /** The part of a map under the entry's lock: pin check, entry CAS, frame snapshot, view, pin. */
    private int pinLocked(DomainGrants mapper, DomainGrants granter, Mapping m, int r, ActiveEntry act,
                          boolean readOnly, int kinds, MappingLifetime lifetime, boolean lazyView) {
        final int mapperId = mapper.domid;
        final boolean confined = lifetime == MappingLifetime.CONFINED;
        // only the counters this map adds to are bounded (Xen's GNTPIN_incr2oflow_mask(pin_incr))
        if (act.pins() > 0 && (act.domid != mapperId || act.atBound(kinds, readOnly))) {
            mapper.maptrack.free(m);
            return Gntst.GENERAL_ERROR;
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
                    return st;
                }
                statusSet = true;
                if (firstPin) {
                    // UNTRUSTED: the frame is read once, after the CAS (the granter can no longer revoke),
                    // validated, and kept: later uses act on this snapshot (GNT-06)
                    long frame = Integer.toUnsignedLong(granter.shared.getIntVolatile(
                            granter.entryGpa(r) + GrantEntryV1Layout.FRAME_OFFSET));
                    if (frame >= granter.memory.frames()) {
                        EntryProtocol.clearAfterRelease(granter, r, act, !readOnly);
                        mapper.maptrack.free(m);
                        return Gntst.BAD_PAGE;
                    }
                    act.domid = mapperId;
                    act.frame = frame;
                }
            }
            MemorySegment segment = null;
            CheckedView view = null;
            m.ref = r;
            m.frame = act.frame;
            if ((kinds & GntMap.HOST_MAP) != 0 && lifetime == MappingLifetime.CHECKED) {
                m.checked = true;
                // no alias and no arena: a window on the granter's own segment, guarded by the slot's state word at
                // this mapping's epoch (every binding of an earlier mapping of the slot fails its check from now on)
                m.epoch = m.guard.arm();
                view = lazyView ? null : new CheckedView(m, release);
            } else if ((kinds & GntMap.HOST_MAP) != 0) {
                arena = confined ? Arena.ofConfined() : Arena.ofShared();
                MemorySegment alias = aliaser.apply(granter.memory.frame(act.frame), arena);
                segment = readOnly ? alias.asReadOnly() : alias;
            }
            EntryProtocol.pin(act, kinds, readOnly, +1);
            pinned = true;
            granter.addForeign(m);
            m.arena = arena;
            m.segment = segment;
            m.view = view;
            m.owner = arena != null && confined ? Thread.currentThread() : null;
            long devBusAddr = (kinds & GntMap.DEVICE_MAP) != 0 ? GuestMemory.gpaOf(act.frame) : 0;
            mapped = m;
            mappedDevBusAddr = devBusAddr;
            return Gntst.OKAY;
        } catch (RuntimeException e) {
            rollback(m, act, r, arena, statusSet, pinned);
            throw e;
        }
    }

    /**
     * The checked view of a live CHECKED host mapping, made now if its map made none ({@code mapHandle}); the
     * same view on every later call. Caller holds the lock.
     *
     * @param m a live mapping
     * @return its view, or null when it is not a CHECKED host mapping
     */
    public CheckedView viewOfLocked(Mapping m) {
        if (m.view == null && m.checked && (m.kinds & GntMap.HOST_MAP) != 0) {
            m.view = new CheckedView(m, release);
        }
        return m.view;
    }

    /**
     * The segment of a CHECKED host mapping, made on the first request: an alias in its own shared arena, as
     * a SHARED mapping has, so that code which needs a real segment (a ring attached to a mapped page) can
     * have one; that mapping's unmap then also closes the arena (a JVM handshake). Caller holds the lock.
     *
     * @param m a live CHECKED host mapping
     * @return its segment (read-only for a read-only mapping)
     */
    public MemorySegment segmentOfCheckedLocked(Mapping m) {
        if (m.segment == null) {
            Arena arena = Arena.ofShared();
            try {
                MemorySegment alias = aliaser.apply(m.granter.memory.frame(m.frame), arena);
                m.segment = m.readOnly ? alias.asReadOnly() : alias;
                m.arena = arena;
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
        return m.segment;
    }

    /** Undoes a map that threw part-way: arena, foreign entry, pin, busy bits (set by this map), handle. */
    private static void rollback(Mapping m, ActiveEntry act, int ref, Arena arena, boolean statusSet,
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
        m.view = null;
        if (m.checked) {
            m.guard.revoke(); // nothing was handed out: revoked with nothing in flight, ready for the slot's next arm
            m.checked = false;
        }
        m.granter.removeForeign(m);
        if (pinned) {
            EntryProtocol.pin(act, m.kinds, m.readOnly, -1);
        }
        if (statusSet || pinned) {
            EntryProtocol.clearAfterRelease(m.granter, ref, act, !m.readOnly);
        }
        m.mapper.maptrack.free(m);
    }
}
