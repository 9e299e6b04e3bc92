package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The tree operations of {@code docs/misc/xenstore.txt} over a {@link NodeView}, with Xen's permission
 * rules: reading, listing and reading permissions need read access; writing an existing node, removing it
 * and setting its permissions need write access; creating a node needs write access to the nearest existing
 * ancestor, and every missing ancestor is created with its parent's permissions, owned by the creator when
 * the creator is unprivileged. A missing node whose nearest existing ancestor the caller may not read is
 * {@code EACCES}, not {@code ENOENT} (nothing leaks about what exists there).
 */
final class TreeOps {
    private final NodeView view;
    private final Caller caller;
    private final XenstoreLimits limits;

    TreeOps(NodeView view, Caller caller, XenstoreLimits limits) {
        this.view = view;
        this.caller = caller;
        this.limits = limits;
    }

    byte[] read(String path) {
        return existing(path, Perms.READ).value();
    }

    List<String> directory(String path) {
        return existing(path, Perms.READ).children();
    }

    Node node(String path) {
        return existing(path, Perms.READ);
    }

    Perms getPerms(String path) {
        return existing(path, Perms.READ).perms();
    }

    void write(String path, byte[] value) {
        Node n = view.get(path);
        if (n == null) {
            n = create(path);
        } else if ((n.perms().access(caller) & Perms.WRITE) == 0) {
            throw new XenstoreException(XsError.EACCES);
        }
        Node updated = n.withValue(value);
        checkSize(updated);
        view.put(path, updated);
        view.changed(new Change(path, updated.perms(), false));
    }

    void mkdir(String path) {
        if (view.get(path) == null) {
            Node created = create(path);
            view.changed(new Change(path, created.perms(), false));
        } else {
            // an existing node is fine only for a caller that may write it (C xenstored's do_mkdir asks for
            // XS_PERM_WRITE; the kit's XS-09, calibrated against it, checks another domain's private node)
            existing(path, Perms.WRITE);
        }
    }

    void rm(String path) {
        if (path.equals(XsPath.ROOT)) {
            throw new XenstoreException(XsError.EINVAL);
        }
        Node n = view.get(path);
        if (n == null) {
            Node parent = view.get(XsPath.parent(path));
            if (parent != null && (parent.perms().access(caller) & Perms.READ) != 0) {
                return; // removing a missing node under an existing parent succeeds (C xenstored)
            }
            existing(path, Perms.WRITE); // throws ENOENT or EACCES
        }
        if ((n.perms().access(caller) & Perms.WRITE) == 0) {
            throw new XenstoreException(XsError.EACCES);
        }
        Perms perms = n.perms();
        // bottom-up removal without recursion (a hostile domain may build a deep tree)
        Deque<String> todo = new ArrayDeque<>();
        List<String> order = new ArrayList<>();
        todo.push(path);
        while (!todo.isEmpty()) {
            String p = todo.pop();
            order.add(p);
            Node c = view.get(p);
            if (c != null) {
                for (String child : c.children()) {
                    todo.push(XsPath.child(p, child));
                }
            }
        }
        for (int i = order.size() - 1; i >= 0; i--) {
            view.remove(order.get(i));
        }
        String parentPath = XsPath.parent(path);
        Node parent = view.get(parentPath);
        if (parent != null) {
            view.put(parentPath, parent.withoutChild(XsPath.name(path)));
        }
        view.changed(new Change(path, perms, true));
    }

    void setPerms(String path, Perms perms) {
        Node n = existing(path, Perms.WRITE);
        if (!caller.privileged() && n.perms().owner() != caller.domid()) {
            // C xenstored's do_set_perms asks for XS_PERM_WRITE | XS_PERM_OWNER: write access is not enough
            throw new XenstoreException(XsError.EACCES);
        }
        if (!caller.privileged() && perms.owner() != n.perms().owner()) {
            throw new XenstoreException(XsError.EPERM); // only a privileged domain may give a node away
        }
        Node updated = n.withPerms(perms);
        view.put(path, updated);
        view.changed(new Change(path, updated.perms(), false));
    }

    /** The node, checked for access; ENOENT or EACCES as Xen answers. */
    private Node existing(String path, int need) {
        Node n = view.get(path);
        if (n == null) {
            String p = path;
            Node ancestor = null;
            while (ancestor == null && !p.equals(XsPath.ROOT)) {
                p = XsPath.parent(p);
                ancestor = view.get(p);
            }
            if (ancestor != null && (ancestor.perms().access(caller) & Perms.READ) == 0) {
                throw new XenstoreException(XsError.EACCES);
            }
            throw new XenstoreException(XsError.ENOENT);
        }
        if ((n.perms().access(caller) & need) != need) {
            throw new XenstoreException(XsError.EACCES);
        }
        return n;
    }

    /**
     * Creates {@code path} and its missing ancestors; returns the new (empty) node, already stored. Like C
     * xenstored, only the requested path is reported to watches (a watch on a created ancestor fires
     * because the path is below it), so the caller records the change.
     */
    private Node create(String path) {
        List<String> missing = new ArrayList<>();
        String p = path;
        Node ancestor = null;
        while (ancestor == null) {
            missing.add(p);
            p = XsPath.parent(p);
            ancestor = view.get(p);
        }
        // Xen 4.17's do_write/do_mkdir: a missing node may be created by a caller that can READ its nearest
        // existing ancestor (errno_from_parents); the new nodes inherit the parent's permissions with the
        // caller as owner, and the per-domain node quota bounds what a guest can create this way
        if ((ancestor.perms().access(caller) & Perms.READ) == 0) {
            throw new XenstoreException(XsError.EACCES);
        }
        if (!caller.privileged() && view.ownedBy(caller.domid()) + missing.size() > limits.maxNodesPerDomain()) {
            throw new XenstoreException(XsError.ENOSPC);
        }
        String parentPath = p;
        Node parent = ancestor;
        Node created = null;
        for (int i = missing.size() - 1; i >= 0; i--) {
            String childPath = missing.get(i);
            Node withChild = parent.withChild(XsPath.name(childPath));
            checkSize(withChild);
            view.put(parentPath, withChild);
            Perms perms = caller.privileged() ? parent.perms() : parent.perms().withOwner(caller.domid());
            created = new Node(new byte[0], perms, List.of(), 0);
            view.put(childPath, created);
            parentPath = childPath;
            parent = created;
        }
        return created;
    }

    private void checkSize(Node n) {
        if (!caller.privileged() && n.size() > limits.maxNodeSize()) {
            throw new XenstoreException(XsError.ENOSPC);
        }
    }
}
