package io.pvkit.grant.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One maptrack entry: a mapping of (granter, ref) held by a mapper. Fields are guarded by the
 * {@code GrantTables} lock.
 *
 * <p><b>Reused per maptrack slot.</b> Once a mapping is released (its slot freed, {@link Maptrack#release}),
 * nothing refers to it any more: it left the mapper's live list and the granter's foreign list at detach, the
 * pending list before its completion, and the bindings of its revoked {@link #guard} only call back while an
 * access is in flight, which the release waited for). So the slot keeps the object and {@link #reset} makes it the
 * next mapping of that slot (a map allocates no {@code Mapping}). Its handle carries the slot's new generation, so
 * a stale handle still misses it, and a CHECKED host mapping re-arms the guard with a new epoch, so a stale view or
 * cursor binding still fails its check.
 */
public final class Mapping {
    public DomainGrants mapper;
    public DomainGrants granter;
    public boolean readOnly;
    public long hostAddr;
    /** The granter's reference; set once the map succeeded. */
    public int ref;
    /** The pinned frame snapshot; set once the map succeeded. */
    public long frame;
    /** The GNTMAP_host_map / GNTMAP_device_map kinds still mapped. */
    public int kinds;
    public int handle = -1;
    /** Index in the mapper's live list, or -1. */
    public int mapperIndex = -1;
    /** Index in the granter's foreign list, or -1. */
    public int foreignIndex = -1;
    /** The arena bounding {@link #segment}; null when there is no host mapping (any more). */
    public Arena arena;
    public MemorySegment segment;
    /** Whether this is a CHECKED host mapping (its view may be made later, on request). */
    public boolean checked;
    /** The checked view of a CHECKED host mapping; null otherwise (or once detached, or not made yet). */
    public CheckedView view;
    /**
     * The state word every binding (view, cursor) of a CHECKED host mapping checks; one per mapping object, so per
     * maptrack slot, re-armed with a new epoch for each CHECKED host mapping of the slot.
     */
    public final ViewGuard guard = new ViewGuard(this);
    /** The guard's epoch of this mapping (valid while {@link #checked}). */
    public int epoch;
    /** The arena of the host view being ended by a release (between detach and finish). */
    Arena endingArena;
    /** Whether a release must revoke {@link #guard} (the CHECKED host kind was detached; between detach and finish). */
    boolean endingChecked;
    /** The thread a confined arena belongs to; null for a shared arena. */
    public Thread owner;
    /** Set when the handle went stale (nothing mapped any more); its slot stays reserved until released. */
    public boolean retired;
    /** Set while the host view's end is deferred (its pins are held); the slot is not freed before. */
    public boolean pendingClose;

    public Mapping(DomainGrants mapper, DomainGrants granter, boolean readOnly, long hostAddr, int kinds) {
        reset(mapper, granter, readOnly, hostAddr, kinds);
    }

    /** Makes this (released) object a fresh mapping, every field as a new one would have it but the handle. */
    void reset(DomainGrants mapper, DomainGrants granter, boolean readOnly, long hostAddr, int kinds) {
        this.mapper = mapper;
        this.granter = granter;
        this.readOnly = readOnly;
        this.hostAddr = hostAddr;
        this.kinds = kinds;
        this.ref = 0;
        this.frame = 0;
        this.mapperIndex = -1;
        this.foreignIndex = -1;
        this.arena = null;
        this.segment = null;
        this.checked = false;
        this.view = null;
        this.endingArena = null;
        this.endingChecked = false;
        this.epoch = 0;
        this.owner = null;
        this.retired = false;
        this.pendingClose = false;
    }
}
