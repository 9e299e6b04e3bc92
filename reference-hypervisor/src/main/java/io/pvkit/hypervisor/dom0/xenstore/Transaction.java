package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimistic transaction: a copy-on-write overlay over the store that remembers the generation of every
 * committed node it looked at (absent: -1). At commit, if any of them changed since, the commit fails with
 * {@code EAGAIN} and nothing is applied (C xenstored's behaviour, per node rather than QEMU's whole-tree
 * check); otherwise the overlay is applied and the recorded changes fire their watches. The number of
 * distinct nodes touched is bounded ({@code ENOSPC} beyond it).
 */
final class Transaction implements NodeView {
    private static final Node TOMBSTONE = new Node(new byte[0], Perms.DOM0_ONLY, List.of(), -2);

    final int id;
    private final NodeStore base;
    private final int maxNodes;
    private final Map<String, Long> seen = new HashMap<>();
    private final Map<String, Node> overlay = new LinkedHashMap<>();
    private final Map<Integer, Integer> ownedDelta = new HashMap<>();
    private final List<Change> changes = new ArrayList<>();

    Transaction(int id, NodeStore base, int maxNodes) {
        this.id = id;
        this.base = base;
        this.maxNodes = maxNodes;
    }

    @Override
    public Node get(String path) {
        Node o = overlay.get(path);
        if (o != null) {
            return o == TOMBSTONE ? null : o;
        }
        if (!seen.containsKey(path)) {
            if (seen.size() >= maxNodes) {
                throw new XenstoreException(XsError.ENOSPC);
            }
            seen.put(path, base.generationOf(path));
        }
        return base.get(path);
    }

    @Override
    public void put(String path, Node node) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        ownedDelta.merge(node.perms().owner(), 1, Integer::sum);
        overlay.put(path, node);
    }

    @Override
    public void remove(String path) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        overlay.put(path, TOMBSTONE);
    }

    @Override
    public int ownedBy(int domid) {
        return base.ownedBy(domid) + ownedDelta.getOrDefault(domid, 0);
    }

    @Override
    public void changed(Change change) {
        changes.add(change);
    }

    /**
     * Applies the overlay when nothing it read changed.
     *
     * @return true when committed; false on conflict (nothing applied)
     */
    boolean commit() {
        for (Map.Entry<String, Long> e : seen.entrySet()) {
            if (base.generationOf(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        for (Map.Entry<String, Node> e : overlay.entrySet()) {
            if (e.getValue() == TOMBSTONE) {
                base.remove(e.getKey());
            } else {
                base.put(e.getKey(), e.getValue());
            }
        }
        for (Change c : changes) {
            base.changed(c);
        }
        return true;
    }
}
