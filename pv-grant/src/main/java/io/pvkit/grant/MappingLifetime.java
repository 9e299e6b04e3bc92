package io.pvkit.grant;

/**
 * How the view of a host mapping is made to die at unmap. Every kind gives the same guarantee: once unmap
 * (or revocation at domain death) has happened, every access through the view throws
 * {@link IllegalStateException}, and the grant stays pinned until no access can still reach the frame. They
 * differ in what the view is (a {@link java.lang.foreign.MemorySegment} or a {@link GrantView}), in who may
 * use it, and in the cost of ending it.
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
    CONFINED,
    /**
     * No arena: the mapping's view is a {@link GrantView} (in {@link MapResult#view()}; {@link
     * MapResult#segment()} is null) whose every access checks a revocation word. Any thread may use it and
     * any thread may unmap or revoke it; ending it is one atomic instruction, so a multi-threaded backend can
     * map and unmap per request (well under a microsecond per pair, see the pv-grant README). An access in
     * flight when the unmap happens (a copy, a blocked channel write) finishes, and the grant's pins drop
     * when it returns. {@link GrantTables#segmentOf} still makes a segment of such a mapping on request (then its unmap costs
     * what a SHARED one does), for a long-lived page that needs one, such as a ring. A {@link GrantCursor}
     * ({@link GrantTables#newCursor()}) accesses any CHECKED mapping by handle without a view object.
     */
    CHECKED
}
