package io.pvkit.conformance.xenstore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable model of a xenstore subtree with Xen's permission rules, for the model-based rule {@code XS-20}.
 *
 * <p>Every operation returns the model after it and the reply a conforming daemon gives: the reply text of a
 * success ({@code "OK"}, a value, a listing) or an error name. Permissions follow Xen 4.17's
 * {@code perm_for_conn}: dom0 may do everything; the owner (first entry) may do everything; any other domain gets
 * the first later entry naming it, or else the first entry's letter. A missing node answers {@code ENOENT} when
 * its nearest existing ancestor is readable by the caller and {@code EACCES} otherwise ({@code errno_from_parents});
 * WRITE and MKDIR of a missing node in that case create it and its missing parents, each inheriting its parent's
 * list with the owner replaced by the caller unless the caller is dom0 ({@code construct_node}).
 *
 * @param base the model's root path (it always exists and is never removed)
 * @param nodes every node at or below {@code base}, by absolute path (unmodifiable, sorted)
 */
public record XenstoreModel(String base, NavigableMap<String, Node> nodes) {

    /**
     * One node: its value (ISO-8859-1 text) and permission list, owner first.
     *
     * @param value the value
     * @param perms the permission entries, owner first (at least one)
     */
    public record Node(String value, List<Perm> perms) {
        /**
         * Validates the node.
         *
         * @param value the value
         * @param perms the entries
         */
        public Node {
            Objects.requireNonNull(value, "value");
            perms = List.copyOf(perms);
            if (perms.isEmpty()) {
                throw new IllegalArgumentException("a node needs an owner");
            }
        }
    }

    /**
     * One permission entry, as on the wire: a letter ({@code n}, {@code r}, {@code w}, {@code b}) and a domid.
     *
     * @param letter the access letter
     * @param domid the domain
     */
    public record Perm(char letter, int domid) {
        /**
         * Parses {@code "r5"}.
         *
         * @param s the entry
         * @return the entry
         */
        public static Perm parse(String s) {
            return new Perm(s.charAt(0), Integer.parseInt(s.substring(1)));
        }

        @Override
        public String toString() {
            return letter + Integer.toString(domid);
        }

        boolean canRead() {
            return letter == 'r' || letter == 'b';
        }

        boolean canWrite() {
            return letter == 'w' || letter == 'b';
        }
    }

    /**
     * The result of one operation: the reply and the model after it.
     *
     * @param reply the reply a conforming daemon gives (success text, or an error name such as {@code "EACCES"})
     * @param error whether the reply is an error
     * @param next the model after the operation
     */
    public record Result(String reply, boolean error, XenstoreModel next) {
    }

    /**
     * Validates the components.
     *
     * @param base the base path
     * @param nodes the nodes
     */
    public XenstoreModel {
        Objects.requireNonNull(base, "base");
        nodes = Collections.unmodifiableNavigableMap(new TreeMap<>(nodes));
        if (!nodes.containsKey(base)) {
            throw new IllegalArgumentException("the base node must exist: " + base);
        }
    }

    /**
     * A model holding only the base node with the given permissions.
     *
     * @param base the base path
     * @param perms its permission list
     * @return the model
     */
    public static XenstoreModel of(String base, List<Perm> perms) {
        return new XenstoreModel(base, new TreeMap<>(Map.of(base, new Node("", perms))));
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private boolean exists(String path) {
        return nodes.containsKey(path);
    }

    private static boolean may(int domid, Node node, boolean write) {
        if (domid == 0 || node.perms().getFirst().domid() == domid) {
            return true;
        }
        Perm applying = node.perms().getFirst();
        for (int i = 1; i < node.perms().size(); i++) {
            if (node.perms().get(i).domid() == domid) {
                applying = node.perms().get(i);
                break;
            }
        }
        return write ? applying.canWrite() : applying.canRead();
    }

    private String nearestExisting(String path) {
        String p = path;
        while (!exists(p)) {
            p = parent(p);
        }
        return p;
    }

    private Result error(String name) {
        return new Result(name, true, this);
    }

    private Result ok(String text, XenstoreModel next) {
        return new Result(text, false, next);
    }

    /** ENOENT or EACCES for a missing node, as errno_from_parents decides. */
    private Result missing(int domid, String path) {
        return error(may(domid, nodes.get(nearestExisting(path)), false) ? "ENOENT" : "EACCES");
    }

    /**
     * READ.
     *
     * @param domid the caller
     * @param path an absolute path at or below the base
     * @return the value or the error
     */
    public Result read(int domid, String path) {
        Node n = nodes.get(path);
        if (n == null) {
            return missing(domid, path);
        }
        return may(domid, n, false) ? ok(n.value(), this) : error("EACCES");
    }

    /**
     * DIRECTORY: the reply is the children's leaf names sorted and joined with {@code ","} (the daemon's order is
     * not specified; the verification sorts the daemon's answer the same way).
     *
     * @param domid the caller
     * @param path an absolute path
     * @return the listing or the error
     */
    public Result directory(int domid, String path) {
        Node n = nodes.get(path);
        if (n == null) {
            return missing(domid, path);
        }
        if (!may(domid, n, false)) {
            return error("EACCES");
        }
        return ok(String.join(",", children(path)), this);
    }

    /**
     * The leaf names of the immediate children of an existing node, sorted.
     *
     * @param path the node
     * @return the names
     */
    public List<String> children(String path) {
        List<String> out = new ArrayList<>();
        String prefix = path + "/";
        for (String p : nodes.tailMap(prefix, false).keySet()) {
            if (!p.startsWith(prefix)) {
                break;
            }
            if (p.indexOf('/', prefix.length()) < 0) {
                out.add(p.substring(prefix.length()));
            }
        }
        return out;
    }

    /**
     * GET_PERMS: the reply is the entries joined with {@code ","}, owner first.
     *
     * @param domid the caller
     * @param path an absolute path
     * @return the list or the error
     */
    public Result getPerms(int domid, String path) {
        Node n = nodes.get(path);
        if (n == null) {
            return missing(domid, path);
        }
        if (!may(domid, n, false)) {
            return error("EACCES");
        }
        return ok(String.join(",", n.perms().stream().map(Perm::toString).toList()), this);
    }

    /**
     * WRITE.
     *
     * @param domid the caller
     * @param path an absolute path below the base
     * @param value the value
     * @return {@code OK} or the error
     */
    public Result write(int domid, String path, String value) {
        Node n = nodes.get(path);
        if (n != null) {
            if (!may(domid, n, true)) {
                return error("EACCES");
            }
            TreeMap<String, Node> next = new TreeMap<>(nodes);
            next.put(path, new Node(value, n.perms()));
            return ok("OK", new XenstoreModel(base, next));
        }
        Result created = create(domid, path);
        if (created.error()) {
            return created;
        }
        TreeMap<String, Node> next = new TreeMap<>(created.next().nodes());
        next.put(path, new Node(value, next.get(path).perms()));
        return ok("OK", new XenstoreModel(base, next));
    }

    /**
     * MKDIR.
     *
     * @param domid the caller
     * @param path an absolute path below the base
     * @return {@code OK} or the error
     */
    public Result mkdir(int domid, String path) {
        Node n = nodes.get(path);
        if (n != null) {
            return may(domid, n, true) ? ok("OK", this) : error("EACCES");
        }
        return create(domid, path);
    }

    private Result create(int domid, String path) {
        String ancestor = nearestExisting(path);
        if (!may(domid, nodes.get(ancestor), false)) {
            return error("EACCES");
        }
        List<String> missingPaths = new ArrayList<>();
        for (String p = path; !p.equals(ancestor); p = parent(p)) {
            missingPaths.addFirst(p);
        }
        TreeMap<String, Node> next = new TreeMap<>(nodes);
        List<Perm> perms = nodes.get(ancestor).perms();
        for (String p : missingPaths) {
            List<Perm> inherited = new ArrayList<>(perms);
            if (domid != 0) {
                inherited.set(0, new Perm(inherited.getFirst().letter(), domid));
            }
            next.put(p, new Node("", inherited));
            perms = inherited;
        }
        return ok("OK", new XenstoreModel(base, next));
    }

    /**
     * RM.
     *
     * @param domid the caller
     * @param path an absolute path strictly below the base
     * @return {@code OK} or the error
     */
    public Result rm(int domid, String path) {
        Node n = nodes.get(path);
        if (n == null) {
            Result m = missing(domid, path);
            if (m.reply().equals("EACCES")) {
                return m;
            }
            return exists(parent(path)) ? ok("OK", this) : error("ENOENT");
        }
        if (!may(domid, n, true)) {
            return error("EACCES");
        }
        TreeMap<String, Node> next = new TreeMap<>(nodes);
        next.remove(path);
        next.keySet().removeIf(p -> p.startsWith(path + "/"));
        return ok("OK", new XenstoreModel(base, next));
    }

    /**
     * SET_PERMS.
     *
     * @param domid the caller
     * @param path an absolute path at or below the base
     * @param perms the new list, owner first
     * @return {@code OK} or the error
     */
    public Result setPerms(int domid, String path, List<Perm> perms) {
        Node n = nodes.get(path);
        if (n == null) {
            return missing(domid, path);
        }
        boolean owner = domid == 0 || n.perms().getFirst().domid() == domid;
        if (!owner || !may(domid, n, true)) {
            return error("EACCES");
        }
        if (domid != 0 && perms.getFirst().domid() != n.perms().getFirst().domid()) {
            return error("EPERM");
        }
        TreeMap<String, Node> next = new TreeMap<>(nodes);
        next.put(path, new Node(n.value(), perms));
        return ok("OK", new XenstoreModel(base, next));
    }

    /**
     * The existing paths strictly below the base.
     *
     * @return the paths, sorted
     */
    public List<String> pathsBelowBase() {
        return nodes.keySet().stream().filter(p -> !p.equals(base)).toList();
    }
}
