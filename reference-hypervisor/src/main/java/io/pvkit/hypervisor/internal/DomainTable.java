package io.pvkit.hypervisor.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live domains by id (Xen's domain list). Thread-safe.
 */
public final class DomainTable {
    private final ConcurrentHashMap<Integer, DomainRecord> byId = new ConcurrentHashMap<>();
    private int nextId = 1;

    /**
     * The domain with this id.
     *
     * @param domid an id (untrusted)
     * @return the record or null
     */
    public DomainRecord get(int domid) {
        return byId.get(domid);
    }

    /**
     * Reserves the next free guest id (ids are not reused while the table has room).
     *
     * @return an id from 1 up
     */
    public synchronized int nextGuestId() {
        for (int tries = 0; tries < 0x7FF0; tries++) {
            int id = nextId;
            nextId = nextId >= 0x7FEF ? 1 : nextId + 1;
            if (!byId.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free domain id");
    }

    /**
     * Adds a built domain.
     *
     * @param record the domain
     * @throws IllegalArgumentException when its id or name is taken
     */
    public synchronized void add(DomainRecord record) {
        if (byId.containsKey(record.domid)) {
            throw new IllegalArgumentException("domain id " + record.domid + " in use");
        }
        if (nameTaken(record.name)) {
            throw new IllegalArgumentException("a domain named '" + record.name + "' exists");
        }
        byId.put(record.domid, record);
    }

    /**
     * Whether a live domain has this name.
     *
     * @param name a name
     * @return true when taken
     */
    public synchronized boolean nameTaken(String name) {
        return byId.values().stream().anyMatch(d -> d.name.equals(name));
    }

    /**
     * Removes a destroyed domain.
     *
     * @param domid the id
     */
    public void remove(int domid) {
        byId.remove(domid);
    }

    /** @return the domains, ordered by id (domain 0 first) */
    public List<DomainRecord> all() {
        List<DomainRecord> list = new ArrayList<>(byId.values());
        list.sort(Comparator.comparingInt(d -> d.domid));
        return list;
    }

    /** @return the number of domains */
    public int size() {
        return byId.size();
    }
}
