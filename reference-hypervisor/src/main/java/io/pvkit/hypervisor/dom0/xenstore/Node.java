package io.pvkit.hypervisor.dom0.xenstore;

import java.util.ArrayList;
import java.util.List;

/**
 * One node of the tree, immutable: its value, permissions, child names (sorted) and generation (the value of
 * the store's counter when it was last written; transactions compare it at commit).
 *
 * @param value the value bytes (may be empty; never null)
 * @param perms the permissions
 * @param children the child names, sorted
 * @param generation the generation, or 0 for a node written inside a transaction and not yet committed
 */
record Node(byte[] value, Perms perms, List<String> children, long generation) {
    Node {
        children = List.copyOf(children);
    }

    Node withValue(byte[] v) {
        return new Node(v, perms, children, 0);
    }

    Node withPerms(Perms p) {
        return new Node(value, p, children, 0);
    }

    Node withChild(String name) {
        List<String> c = new ArrayList<>(children);
        int i = java.util.Collections.binarySearch(c, name);
        if (i >= 0) {
            return this;
        }
        c.add(-i - 1, name);
        return new Node(value, perms, c, 0);
    }

    Node withoutChild(String name) {
        List<String> c = new ArrayList<>(children);
        c.remove(name);
        return new Node(value, perms, c, 0);
    }

    Node withGeneration(long g) {
        return new Node(value, perms, children, g);
    }

    /** What C xenstored's node size quota counts here: the value and the child names with their NULs. */
    int size() {
        int n = value.length;
        for (String c : children) {
            n += c.length() + 1;
        }
        return n;
    }
}
