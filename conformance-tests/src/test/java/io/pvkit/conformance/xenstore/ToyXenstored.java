package io.pvkit.conformance.xenstore;

import io.pvkit.abi.xenstore.XsdSockmsgType;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small correct xenstored for the kit's self-tests (the toy of the xenstore area): xs_wire over a Unix domain
 * socket (dom0) and over in-process pipes acting as domains, Xen's permission rules, watches, whole-store
 * optimistic transactions. Each {@link Bug} switches on one deliberate deviation for the broken variants.
 */
final class ToyXenstored implements XenstoreUnderTest {

    /** One deliberate deviation per rule, for {@code XenstoreVerificationSelfTest}. */
    enum Bug {
        /** XS-01: error replies carry req_id 0. */
        ERROR_REQ_ID_ZERO,
        /** XS-02: values go through UTF-8 text, so bytes above 0x7F change. */
        UTF8_VALUES,
        /** XS-03: MKDIR of an existing node empties its value. */
        MKDIR_RESETS_VALUE,
        /** XS-04: RM of a missing node answers ENOENT even when the parent exists. */
        RM_MISSING_ENOENT,
        /** XS-05: the last name of a DIRECTORY listing has no NUL. */
        DIRECTORY_NO_LAST_NUL,
        /** XS-06: doubled slashes are collapsed instead of refused. */
        ACCEPTS_DOUBLE_SLASH,
        /** XS-07: a relative watch reports absolute paths. */
        RELATIVE_WATCH_ABSOLUTE_EVENTS,
        /** XS-08: GET_PERMS lists the entries sorted, so the owner may not come first. */
        GET_PERMS_SORTED,
        /** XS-09: READ skips the permission check. */
        READ_UNCHECKED,
        /** XS-10: the registration event carries the WATCH request's req_id instead of 0. */
        REGISTRATION_EVENT_REQ_ID,
        /** XS-11: a watch matches any string prefix ({@code /kit/ab} under {@code /kit/a}). */
        WATCH_STRING_PREFIX,
        /** XS-12: writes in a transaction fire watches at once. */
        TX_EVENTS_IMMEDIATE,
        /** XS-13: watch events are not filtered by the watcher's read permission. */
        WATCH_UNFILTERED,
        /** XS-14: special watch paths are refused. */
        SPECIAL_WATCH_REFUSED,
        /** XS-15: commits never conflict (last writer wins). */
        TX_NO_CONFLICT,
        /** XS-16: UNWATCH removes every watch on the path, whatever the token. */
        UNWATCH_ALL_TOKENS,
        /** XS-17: payloads up to 64 KiB are accepted. */
        OVERSIZE_ACCEPTED,
        /** XS-18: unknown types are answered OK. */
        UNKNOWN_TYPE_OK,
        /** XS-19: GET_DOMAIN_PATH answers with a trailing slash. */
        DOMAIN_PATH_TRAILING_SLASH,
        /** XS-20: parents a domain creates implicitly keep the ancestor's owner (only the named node is the domain's). */
        IMPLICIT_PARENTS_KEEP_OWNER,
        /** XS-21: a domain may introduce and release domains. */
        DOMAIN_MAY_INTRODUCE
    }

    private record Node(byte[] value, List<String> perms) {
    }

    private record Watch(String path, String token, boolean relative) {
    }

    private final class Tx {
        final TreeMap<String, Node> copy;
        final long generation;
        final List<String> events = new ArrayList<>();

        Tx(TreeMap<String, Node> copy, long generation) {
            this.copy = copy;
            this.generation = generation;
        }
    }

    private final class Conn {
        final int domid;
        final ByteChannel channel;
        final List<Watch> watches = new ArrayList<>();
        final Map<Integer, Tx> txs = new HashMap<>();

        Conn(int domid, ByteChannel channel) {
            this.domid = domid;
            this.channel = channel;
        }

        String home() {
            return "/local/domain/" + domid;
        }
    }

    private final Set<Bug> bugs;
    private final Path dir;
    private final ServerSocketChannel server;
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final Set<Integer> introduced = new HashSet<>(Set.of(0));
    private TreeMap<String, Node> store = new TreeMap<>();
    private long generation;
    private int nextTx = 1;

    ToyXenstored(Set<Bug> bugs) throws IOException {
        this.bugs = bugs.isEmpty() ? EnumSet.noneOf(Bug.class) : EnumSet.copyOf(bugs);
        store.put("/", new Node(new byte[0], List.of("n0")));
        dir = Files.createTempDirectory("pvkit-toy-xenstored");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("socket")));
        Thread.ofPlatform().daemon().name("toy-xenstored-accept").start(() -> {
            try {
                while (true) {
                    SocketChannel c = server.accept();
                    serve(new Conn(0, c));
                }
            } catch (IOException e) {
                // closed
            }
        });
    }

    private boolean bug(Bug b) {
        return bugs.contains(b);
    }

    @Override
    public Path socketPath() {
        return dir.resolve("socket");
    }

    @Override
    public boolean supportsDomainConnections() {
        return true;
    }

    @Override
    public ByteChannel connectAsDomain(int domid) throws IOException {
        Pipe toDaemon = Pipe.open();
        Pipe toGuest = Pipe.open();
        synchronized (this) {
            introduced.add(domid);
            fire("@introduceDomain");
        }
        serve(new Conn(domid, new Duplex(toDaemon.source(), toGuest.sink())));
        return new Duplex(toGuest.source(), toDaemon.sink());
    }

    /** A byte channel reading from one pipe end and writing to another. */
    private record Duplex(Pipe.SourceChannel in, Pipe.SinkChannel out) implements ByteChannel {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return in.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return out.write(src);
        }

        @Override
        public boolean isOpen() {
            return in.isOpen() && out.isOpen();
        }

        @Override
        public void close() throws IOException {
            in.close();
            out.close();
        }
    }

    private void serve(Conn c) {
        conns.add(c);
        Thread.ofPlatform().daemon().name("toy-xenstored-conn").start(() -> {
            try {
                ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                while (true) {
                    header.clear();
                    if (!fill(c.channel, header)) {
                        break;
                    }
                    header.flip();
                    int type = header.getInt();
                    int reqId = header.getInt();
                    int txId = header.getInt();
                    int len = header.getInt();
                    int max = bug(Bug.OVERSIZE_ACCEPTED) ? 65536 : 4096;
                    if (len < 0 || len > max) {
                        break;
                    }
                    ByteBuffer payload = ByteBuffer.allocate(len);
                    if (!fill(c.channel, payload)) {
                        break;
                    }
                    handle(c, type, reqId, txId, payload.array());
                }
            } catch (IOException e) {
                // connection gone
            } finally {
                conns.remove(c);
                try {
                    c.channel.close();
                } catch (IOException e) {
                    // closing
                }
            }
        });
    }

    private static boolean fill(ByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void send(Conn c, int type, int reqId, int txId, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(reqId).putInt(txId).putInt(payload.length).put(payload).flip();
        synchronized (c) {
            try {
                while (b.hasRemaining()) {
                    c.channel.write(b);
                }
            } catch (IOException e) {
                // the peer went away; its reader ends the connection
            }
        }
    }

    /** A request failed with an error name. */
    private static final class XsFail extends Exception {
        private static final long serialVersionUID = 1L;

        XsFail(String name) {
            super(name, null, false, false);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String str(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The NUL-terminated strings of a payload; EINVAL when the payload does not end in a NUL. */
    private static List<String> args(byte[] p) throws XsFail {
        if (p.length == 0 || p[p.length - 1] != 0) {
            throw new XsFail("EINVAL");
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) {
                out.add(str(p, start, i));
                start = i + 1;
            }
        }
        return out;
    }

    private synchronized void handle(Conn c, int type, int reqId, int txId, byte[] p) {
        XsdSockmsgType t = XsdSockmsgType.of(Integer.toUnsignedLong(type)).orElse(null);
        try {
            Tx tx = null;
            if (txId != 0 && t != XsdSockmsgType.WATCH && t != XsdSockmsgType.UNWATCH) {
                tx = c.txs.get(txId);
                if (tx == null) {
                    throw new XsFail("ENOENT");
                }
            }
            byte[] reply = dispatch(c, t, reqId, tx, txId, p);
            send(c, type, reqId, txId, reply);
            if (t == XsdSockmsgType.WATCH) {
                List<String> a = args(p);
                send(c, XsdSockmsgType.WATCH_EVENT.code(), bug(Bug.REGISTRATION_EVENT_REQ_ID) ? reqId : 0, 0,
                        bytes(a.get(0) + "\0" + a.get(1) + "\0"));
            }
        } catch (XsFail f) {
            send(c, XsdSockmsgType.ERROR.code(), bug(Bug.ERROR_REQ_ID_ZERO) ? 0 : reqId, txId, bytes(f.getMessage() + "\0"));
        }
    }

    private byte[] dispatch(Conn c, XsdSockmsgType t, int reqId, Tx tx, int txId, byte[] p) throws XsFail {
        if (t == null) {
            if (bug(Bug.UNKNOWN_TYPE_OK)) {
                return bytes("OK\0");
            }
            throw new XsFail("ENOSYS");
        }
        TreeMap<String, Node> s = tx != null ? tx.copy : store;
        List<String> events = new ArrayList<>();
        byte[] reply = switch (t) {
            case READ -> {
                String path = path(c, one(p), false);
                Node n = node(c, s, path, 'r');
                yield bug(Bug.UTF8_VALUES) ? new String(n.value(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)
                        : n.value();
            }
            case WRITE -> {
                int nul = indexOfNul(p);
                if (nul < 0) {
                    throw new XsFail("EINVAL");
                }
                String path = path(c, str(p, 0, nul), false);
                byte[] value = java.util.Arrays.copyOfRange(p, nul + 1, p.length);
                Node n = lookupForWrite(c, s, path);
                s.put(path, new Node(value, n.perms()));
                events.add(path);
                yield bytes("OK\0");
            }
            case MKDIR -> {
                String path = path(c, one(p), false);
                Node existing = s.get(path);
                if (existing != null) {
                    check(c, existing, 'w');
                    if (bug(Bug.MKDIR_RESETS_VALUE)) {
                        s.put(path, new Node(new byte[0], existing.perms()));
                    }
                } else {
                    lookupForWrite(c, s, path);
                    events.add(path);
                }
                yield bytes("OK\0");
            }
            case RM -> {
                String path = path(c, one(p), false);
                Node n = s.get(path);
                if (n == null) {
                    missing(c, s, path);
                    if (!s.containsKey(parent(path)) || bug(Bug.RM_MISSING_ENOENT)) {
                        throw new XsFail("ENOENT");
                    }
                    yield bytes("OK\0");
                }
                if (path.equals("/")) {
                    throw new XsFail("EINVAL");
                }
                check(c, n, 'w');
                List<String> removed = new ArrayList<>(s.subMap(path + "/", path + "0").keySet());
                events.add(path);
                for (String d : removed) {
                    events.add("=" + d);
                }
                for (String d : removed) {
                    s.remove(d);
                }
                s.remove(path);
                yield bytes("OK\0");
            }
            case DIRECTORY -> {
                String path = path(c, one(p), false);
                node(c, s, path, 'r');
                StringBuilder sb = new StringBuilder();
                String prefix = path.equals("/") ? "/" : path + "/";
                for (String k : s.tailMap(prefix, false).keySet()) {
                    if (!k.startsWith(prefix)) {
                        break;
                    }
                    if (k.indexOf('/', prefix.length()) < 0) {
                        sb.append(k.substring(prefix.length())).append('\0');
                    }
                }
                if (bug(Bug.DIRECTORY_NO_LAST_NUL) && sb.length() > 0) {
                    sb.setLength(sb.length() - 1);
                }
                yield bytes(sb.toString());
            }
            case GET_PERMS -> {
                String path = path(c, one(p), false);
                Node n = node(c, s, path, 'r');
                List<String> perms = new ArrayList<>(n.perms());
                if (bug(Bug.GET_PERMS_SORTED)) {
                    perms.sort(null);
                }
                yield bytes(String.join("\0", perms) + "\0");
            }
            case SET_PERMS -> {
                List<String> a = args(p);
                if (a.size() < 2) {
                    throw new XsFail("EINVAL");
                }
                for (String perm : a.subList(1, a.size())) {
                    if (!perm.matches("[nrwb][0-9]{1,5}")) {
                        throw new XsFail("EINVAL");
                    }
                }
                String path = path(c, a.get(0), false);
                Node n = s.get(path);
                if (n == null) {
                    missing(c, s, path);
                    throw new XsFail("ENOENT");
                }
                if (c.domid != 0 && owner(n) != c.domid) {
                    throw new XsFail("EACCES");
                }
                List<String> perms = List.copyOf(a.subList(1, a.size()));
                if (c.domid != 0 && Integer.parseInt(perms.getFirst().substring(1)) != owner(n)) {
                    throw new XsFail("EPERM");
                }
                s.put(path, new Node(n.value(), perms));
                events.add(path);
                yield bytes("OK\0");
            }
            case WATCH -> {
                List<String> a = args(p);
                if (a.size() < 2) {
                    throw new XsFail("EINVAL");
                }
                String path = watchPath(c, a.get(0));
                Watch w = new Watch(path, a.get(1), !a.get(0).startsWith("/") && !a.get(0).startsWith("@"));
                if (c.watches.contains(w)) {
                    throw new XsFail("EEXIST");
                }
                c.watches.add(w);
                yield bytes("OK\0");
            }
            case UNWATCH -> {
                List<String> a = args(p);
                if (a.size() < 2) {
                    throw new XsFail("EINVAL");
                }
                String path = watchPath(c, a.get(0));
                boolean removed = bug(Bug.UNWATCH_ALL_TOKENS)
                        ? c.watches.removeIf(w -> w.path().equals(path))
                        : c.watches.removeIf(w -> w.path().equals(path) && w.token().equals(a.get(1)));
                if (!removed) {
                    throw new XsFail("ENOENT");
                }
                yield bytes("OK\0");
            }
            case RESET_WATCHES -> {
                c.watches.clear();
                c.txs.clear();
                yield bytes("OK\0");
            }
            case TRANSACTION_START -> {
                if (txId != 0) {
                    throw new XsFail("ENOENT");
                }
                int id = nextTx++;
                c.txs.put(id, new Tx(new TreeMap<>(store), generation));
                yield bytes(id + "\0");
            }
            case TRANSACTION_END -> {
                String arg = one(p);
                if (tx == null || !(arg.equals("T") || arg.equals("F"))) {
                    throw new XsFail(tx == null ? "ENOENT" : "EINVAL");
                }
                c.txs.remove(txId);
                if (arg.equals("T")) {
                    if (tx.generation != generation && !bug(Bug.TX_NO_CONFLICT)) {
                        throw new XsFail("EAGAIN");
                    }
                    store = tx.copy;
                    generation++;
                    for (String e : tx.events) {
                        fire(e);
                    }
                }
                yield bytes("OK\0");
            }
            case GET_DOMAIN_PATH -> bytes("/local/domain/" + Integer.parseInt(one(p))
                    + (bug(Bug.DOMAIN_PATH_TRAILING_SLASH) ? "/" : "") + "\0");
            case IS_DOMAIN_INTRODUCED -> bytes((introduced.contains(Integer.parseInt(one(p))) ? "T" : "F") + "\0");
            case INTRODUCE, RELEASE, SET_TARGET -> {
                if (c.domid != 0 && !bug(Bug.DOMAIN_MAY_INTRODUCE)) {
                    throw new XsFail("EACCES");
                }
                List<String> a = args(p);
                int domid = Integer.parseInt(a.get(0));
                if (t == XsdSockmsgType.INTRODUCE) {
                    introduced.add(domid);
                    fire("@introduceDomain");
                } else if (t == XsdSockmsgType.RELEASE) {
                    if (domid == 0 || !introduced.remove(domid)) {
                        throw new XsFail("EINVAL");
                    }
                    fire("@releaseDomain");
                }
                yield bytes("OK\0");
            }
            default -> throw new XsFail(bug(Bug.UNKNOWN_TYPE_OK) ? "OK" : "ENOSYS");
        };
        if (tx != null && !bug(Bug.TX_EVENTS_IMMEDIATE)) {
            tx.events.addAll(events);
        } else {
            if (tx == null && !events.isEmpty()) {
                generation++;
            }
            for (String e : events) {
                fire(e);
            }
        }
        return reply;
    }

    private static int indexOfNul(byte[] p) {
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static String one(byte[] p) throws XsFail {
        List<String> a = args(p);
        if (a.size() != 1) {
            throw new XsFail("EINVAL");
        }
        return a.getFirst();
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private String path(Conn c, String raw, boolean special) throws XsFail {
        if (raw.startsWith("@") && special) {
            return raw;
        }
        String p = raw;
        if (bug(Bug.ACCEPTS_DOUBLE_SLASH)) {
            p = p.replaceAll("/+", "/");
        }
        if (p.isEmpty() || !p.matches("[A-Za-z0-9/_@-]*")) {
            throw new XsFail("EINVAL");
        }
        if (!p.startsWith("/")) {
            p = c.home() + "/" + p;
        }
        if (p.length() > 3072 || p.contains("//") || (p.endsWith("/") && !p.equals("/"))) {
            throw new XsFail("EINVAL");
        }
        return p;
    }

    private String watchPath(Conn c, String raw) throws XsFail {
        if (raw.startsWith("@") && bug(Bug.SPECIAL_WATCH_REFUSED)) {
            throw new XsFail("EINVAL");
        }
        return path(c, raw, true);
    }

    private static int owner(Node n) {
        return Integer.parseInt(n.perms().getFirst().substring(1));
    }

    private static boolean may(int domid, Node n, char access) {
        if (domid == 0 || owner(n) == domid) {
            return true;
        }
        String applying = n.perms().getFirst();
        for (String e : n.perms().subList(1, n.perms().size())) {
            if (Integer.parseInt(e.substring(1)) == domid) {
                applying = e;
                break;
            }
        }
        char letter = applying.charAt(0);
        return letter == 'b' || letter == access;
    }

    private static void check(Conn c, Node n, char access) throws XsFail {
        if (!may(c.domid, n, access)) {
            throw new XsFail("EACCES");
        }
    }

    private Node node(Conn c, TreeMap<String, Node> s, String path, char access) throws XsFail {
        Node n = s.get(path);
        if (n == null) {
            missing(c, s, path);
            throw new XsFail("ENOENT");
        }
        if (!(access == 'r' && bug(Bug.READ_UNCHECKED) && c.domid != 0)) {
            check(c, n, access);
        }
        return n;
    }

    /** Throws EACCES when the nearest existing ancestor is unreadable (Xen's errno_from_parents). */
    private static void missing(Conn c, TreeMap<String, Node> s, String path) throws XsFail {
        String p = path;
        while (!s.containsKey(p)) {
            p = parent(p);
        }
        check(c, s.get(p), 'r');
    }

    /** The existing node checked for write, or a new node (and missing parents) as construct_node makes them. */
    private Node lookupForWrite(Conn c, TreeMap<String, Node> s, String path) throws XsFail {
        Node n = s.get(path);
        if (n != null) {
            check(c, n, 'w');
            return n;
        }
        missing(c, s, path);
        List<String> create = new ArrayList<>();
        String p = path;
        while (!s.containsKey(p)) {
            create.addFirst(p);
            p = parent(p);
        }
        List<String> perms = s.get(p).perms();
        for (String q : create) {
            List<String> inherited = new ArrayList<>(perms);
            if (c.domid != 0 && (!bug(Bug.IMPLICIT_PARENTS_KEEP_OWNER) || q.equals(path))) {
                inherited.set(0, inherited.getFirst().charAt(0) + Integer.toString(c.domid));
            }
            s.put(q, new Node(new byte[0], inherited));
            perms = inherited;
        }
        return s.get(path);
    }

    /**
     * Fires watches for a changed path; a path starting with '=' fires only exact watches (a descendant removed
     * with an ancestor).
     */
    private void fire(String event) {
        boolean exact = event.startsWith("=");
        String path = exact ? event.substring(1) : event;
        Map<Conn, List<Watch>> hits = new LinkedHashMap<>();
        for (Conn c : conns) {
            for (Watch w : c.watches) {
                boolean match = exact ? w.path().equals(path)
                        : path.equals(w.path()) || path.startsWith(w.path() + "/")
                                || (bug(Bug.WATCH_STRING_PREFIX) && path.startsWith(w.path()));
                if (!match) {
                    continue;
                }
                if (!path.startsWith("@") && !bug(Bug.WATCH_UNFILTERED)) {
                    Node n = store.get(path);
                    if (n != null && !may(c.domid, n, 'r')) {
                        continue;
                    }
                }
                hits.computeIfAbsent(c, k -> new ArrayList<>()).add(w);
            }
        }
        for (Map.Entry<Conn, List<Watch>> e : hits.entrySet()) {
            for (Watch w : e.getValue()) {
                String reported = path;
                if (w.relative() && !bug(Bug.RELATIVE_WATCH_ABSOLUTE_EVENTS)) {
                    reported = reported.substring(e.getKey().home().length() + 1);
                }
                send(e.getKey(), XsdSockmsgType.WATCH_EVENT.code(), 0, 0, bytes(reported + "\0" + w.token() + "\0"));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Conn c : conns) {
            c.channel.close();
        }
        Files.deleteIfExists(dir.resolve("socket"));
        Files.deleteIfExists(dir);
    }
}
