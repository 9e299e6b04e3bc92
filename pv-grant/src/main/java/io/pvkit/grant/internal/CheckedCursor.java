package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.grant.GrantCursor;

/**
 * A {@link GrantCursor}: one object that a thread rebinds to mapping after mapping, so that accessing a CHECKED
 * mapping allocates nothing. Its accesses are {@link GuardedFrame}'s, checked against the bound mapping's
 * {@link ViewGuard} at the epoch read at bind time: an unmap revokes it, and the slot's next mapping has another
 * epoch, so a cursor left bound to an old handle throws exactly as that mapping's view does.
 *
 * <p>Confined to the thread that made it: a binding is several fields (frame, memory, guard, epoch) that only
 * make sense together, and another thread could see a half-written rebinding; every access and bind checks the
 * thread first ({@link WrongThreadException}), which costs a compare with {@code Thread.currentThread()}.
 */
public final class CheckedCursor extends GuardedFrame implements GrantCursor {
    private final Registry registry;
    private final MappingRelease tables;
    private final Thread owner;

    /**
     * @param registry the domains and the lock
     * @param release the release path of the same tables
     */
    public CheckedCursor(Registry registry, MappingRelease release) {
        this.registry = registry;
        this.tables = release;
        this.owner = Thread.currentThread();
    }

    @Override
    void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("a grant cursor is confined to the thread that made it: " + owner);
        }
    }

    @Override
    public boolean bind(int mapper, int handle) {
        checkThread();
        synchronized (registry) {
            DomainGrants d = registry.liveLocked(mapper);
            // UNTRUSTED: the handle is looked up with its generation; bad and stale handles miss
            Mapping m = d == null ? null : d.maptrack.lookup(handle);
            if (m == null || !m.checked || (m.kinds & GntMap.HOST_MAP) == 0) {
                unbindFields();
                return false;
            }
            bindTo(m, tables);
            return true;
        }
    }

    @Override
    public void unbind() {
        checkThread();
        unbindFields();
    }
}
