package io.pvkit.grant;

/**
 * A reusable {@link GrantView}: bound to one {@link MappingLifetime#CHECKED} host mapping at a time by its handle,
 * so that a backend that maps, reads or writes and unmaps a grant per request allocates nothing per request (a
 * {@code GrantView} object cannot be reused, because it must stay dead after unmap). Make one per worker thread
 * with {@link GrantTables#newCursor()} and keep it:
 *
 * {@snippet :
 * GrantCursor cursor = hv.newCursor();                     // once per thread
 * // per request:
 * int h = hv.mapHandle(backend, frontend, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
 * if (h >= 0 && cursor.bind(backend, h)) {
 *     cursor.writeTo(file, position, 0, 4096);             // or getInt / copyTo / ...
 * }
 * hv.unmap(backend, h);                                    // the cursor throws from now on
 * }
 *
 * <p><b>The guarantee</b> is the view's, per binding: an access through a cursor bound to handle {@code h} reaches
 * the frame of {@code h}'s mapping while that mapping is live, or throws {@link IllegalStateException}; it never
 * reaches a later mapping through the old binding, even when the later mapping reuses {@code h}'s maptrack slot
 * (until the slot has served 2^32 CHECKED mappings). An unbound cursor (a failed {@link #bind}, {@link #unbind},
 * or a new one) throws on every access and {@link #isAlive()} is false.
 *
 * <p><b>Threads.</b> A cursor is confined to the thread that made it: every call from another thread throws
 * {@link WrongThreadException}. Any thread may unmap the bound mapping; an access in flight then finishes first and
 * the grant's pins drop when it returns, as for a view.
 */
public sealed interface GrantCursor extends GrantView permits io.pvkit.grant.internal.CheckedCursor {

    /**
     * Binds this cursor to a live CHECKED host mapping of {@code mapper}.
     *
     * @param mapper the domain that holds the mapping
     * @param handle the mapping handle (untrusted)
     * @return true when bound; false when {@code handle} is not a live CHECKED host mapping of {@code mapper}
     *     (the cursor is unbound then)
     * @throws WrongThreadException when called by another thread than the one that made the cursor
     */
    boolean bind(int mapper, int handle);

    /**
     * Unbinds this cursor: every access throws until the next {@link #bind}.
     *
     * @throws WrongThreadException when called by another thread than the one that made the cursor
     */
    void unbind();
}
