package io.pvkit.grant.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One maptrack entry: a mapping of (granter, ref) held by a mapper. Mutable fields are guarded by the
 * {@code GrantTables} lock.
 */
public final class Mapping {
    public final DomainGrants mapper;
    public final DomainGrants granter;
    public final boolean readOnly;
    public final long hostAddr;
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
    /** The checked view of a CHECKED host mapping; null otherwise (or once detached). */
    public CheckedView view;
    /** The arena of the host view being ended by a release (between detach and finish). */
    Arena endingArena;
    /** The checked view being ended by a release (between detach and finish). */
    CheckedView endingView;
    /** The thread a confined arena belongs to; null for a shared arena. */
    public Thread owner;
    /** Set when the handle went stale (nothing mapped any more); its slot stays reserved until released. */
    public boolean retired;
    /** Set while the host view's end is deferred (its pins are held); the slot is not freed before. */
    public boolean pendingClose;

    public Mapping(DomainGrants mapper, DomainGrants granter, boolean readOnly, long hostAddr, int kinds) {
        this.mapper = mapper;
        this.granter = granter;
        this.readOnly = readOnly;
        this.hostAddr = hostAddr;
        this.kinds = kinds;
    }
}
