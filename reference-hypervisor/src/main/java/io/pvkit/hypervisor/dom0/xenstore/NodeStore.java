package io.pvkit.hypervisor.dom0.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed tree: absolute path to {@link Node}, a generation counter stamped on every node written, and
 * the number of nodes each domain owns (the per-domain quota). Not thread-safe: {@link Xenstored} serialises
 * every request on its lock.
 */
final class NodeStore implements NodeView {
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Integer, Integer> owned = new HashMap<>();
    private final List<Change> pending = new ArrayList<>();
    private long generation;

    NodeStore() {
        put(XsPath.ROOT, new Node(new byte[0], Perms.DOM0_ONLY, List.of(), 0));
    }

    @Override
    public Node get(String path) {
        return nodes.get(path);
    }

    @Override
    public void put(String path, Node node) {
        Node old = nodes.put(path, node.withGeneration(++generation));
        if (old != null) {
            owned.merge(old.perms().owner(), -1, Integer::sum);
        }
        owned.merge(node.perms().owner(), 1, Integer::sum);
    }

    @Override
    public void remove(String path) {
        Node old = nodes.remove(path);
        if (old != null) {
            owned.merge(old.perms().owner(), -1, Integer::sum);
        }
    }

    @Override
    public int ownedBy(int domid) {
        return owned.getOrDefault(domid, 0);
    }

    @Override
    public void changed(Change change) {
        pending.add(change);
    }

    /** Takes the changes recorded since the last call (the caller fires the watches). */
    List<Change> drainChanges() {
        List<Change> out = List.copyOf(pending);
        pending.clear();
        return out;
    }

    /** @return the generation of the node, or -1 when absent */
    long generationOf(String path) {
        Node n = nodes.get(path);
        return n == null ? -1 : n.generation();
    }

    int size() {
        return nodes.size();
    }
}
