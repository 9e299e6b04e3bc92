package io.pvkit.grant;

/**
 * How the {@link java.lang.foreign.MemorySegment} of a host mapping is made to die at unmap. Both kinds
 * give the same guarantee: once unmap (or revocation at domain death) has released the grant, every
 * access through the segment throws {@link IllegalStateException}; they differ in who may use the
 * segment and in the cost of ending it.
 */
public enum MappingLifetime {
    /**
     * Each mapping gets its own shared {@link java.lang.foreign.Arena}: any thread may use the segment and
     * any thread may unmap or revoke it. Ending it costs a JVM-wide thread handshake (tens of
     * microseconds; see the pv-grant README).
     */
    SHARED,
    /**
     * Each mapping gets its own confined {@link java.lang.foreign.Arena} owned by the thread that mapped
     * it: only that thread can use the segment (others get {@link WrongThreadException}), and ending it
     * costs well under a microsecond. An unmap or revocation by another thread cannot close it; the grant
     * then stays pinned ({@code GTF_reading} set, so the granter cannot reuse the page) until the owner
     * thread calls into {@link GrantTables} again (any op, or {@link GrantTables#reap()}) or terminates.
     */
    CONFINED
}
