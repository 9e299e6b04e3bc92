package io.pvkit.grant.internal;

import io.pvkit.grant.GrantView;

/**
 * The {@link GrantView} of a CHECKED host mapping: a binding to that one mapping, made once (by
 * {@code GrantTables.map} or on the first {@code viewOf}) and never rebound, usable by any thread. Its accesses and
 * their ordering are {@link GuardedFrame}'s; its liveness is the mapping's {@link ViewGuard} word at the epoch of the
 * mapping, so the view is dead from the revocation at unmap on, and stays dead when the maptrack slot (and its
 * guard) serves later mappings.
 */
public final class CheckedView extends GuardedFrame implements GrantView {

    /**
     * Binds a new view to a live CHECKED host mapping. Caller holds the registry lock.
     *
     * @param mapping the mapping (its guard armed, its frame pinned)
     * @param release the release path to tell when a deferred release may complete
     */
    CheckedView(Mapping mapping, MappingRelease release) {
        bindTo(mapping, release);
        // ORDERING: the binding's fields are not final (GuardedFrame rebinds cursors); this fence gives them what a
        // final field's freeze gives, so a view handed to another thread without synchronization is seen whole
        java.lang.invoke.VarHandle.releaseFence();
    }

    @Override
    void checkThread() {
        // any thread may use a view
    }
}
