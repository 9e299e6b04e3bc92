package io.pvkit.xenbus.testpeer;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.spi.Notifier;
import io.pvkit.xenbus.spi.XsTransport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * TEST DOUBLE, test scope only: a small scripted xenstore server that answers {@code xs_wire} frames so
 * pv-xenbus can be tested without pvkit's xenstored (branch {@code xsd}) or Xen's C daemon. It is NOT a
 * xenstored: no permission checks (permissions are stored and returned only), no quotas, transactions
 * buffer their writes and apply them at commit without conflict detection (a test makes the next commits
 * fail with {@code EAGAIN} through {@link #failCommits}), relative paths resolve under the connection's
 * home. Watches fire at registration and on every write/mkdir/rm at or below their path.
 *
 * <p>Connections: {@link #listen(Path)} (a Unix domain socket, connections act as domain 0),
 * {@link #serveRing(MemoryAccess, int, Notifier)} (a guest's xenstore page), {@link #inProcess(int)}
 * (a pipe in memory). {@link #override} replaces the reply to chosen requests with raw bytes (hostile
 * replies).
 */
public final class XenstoreTestPeer implements AutoCloseable {
    /** Replaces the reply to a request with raw bytes (or returns null to answer normally). */
    @FunctionalInterface
    public interface ReplyOverride {
        /**
         * Decides the reply.
         *
         * @param type the request type
         * @param reqId the request id
         * @param payload the request payload
         * @return the raw bytes to send instead of the reply, or null
         */
        byte[] reply(XsdSockmsgType type, int reqId, byte[] payload);
    }

    private final TreeMap<String, String> values = new TreeMap<>();
    private final Map<String, List<String>> perms = new TreeMap<>();
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final List<java.io.Closeable> resources = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextTx = new AtomicInteger(1);
    /** Commits that answer EAGAIN before one succeeds. */
    public final AtomicInteger failCommits = new AtomicInteger();
    /** Requests handled so far, by type name (for assertions). */
    public final List<String> log = new CopyOnWriteArrayList<>();
    /** Set to replace replies. */
    public volatile ReplyOverride override;

    /** An empty store with {@code /local/domain}. */
    public XenstoreTestPeer() {
        values.put("/", "");
        values.put("/local", "");
        values.put("/local/domain", "");
    }

    // ------------------------------------------------------------------ tree access for tests

    /** Writes a node directly (fires watches). */
    public synchronized void put(String path, String value) {
        create(path, value);
        fire(path);
    }

    /** Reads a node directly. */
    public synchronized String get(String path) {
        return values.get(path);
    }

    /** Removes a subtree directly (fires watches). */
    public synchronized void remove(String path) {
        values.subMap(path, true, path + "/\uffff", true).clear();
        fire(path);
    }

    // ------------------------------------------------------------------ connections

    /** One client connection; bytes in through {@link #receive}, frames out through its sink. */
    public final class Conn {
        private final int domid;
        private final Consumer<byte[]> out;
        private final Map<String, String> watches = new LinkedHashMap<>();   // token -> path as registered
        private final Map<Integer, List<Runnable>> transactions = new TreeMap<>();
        private byte[] buf = new byte[0];

        Conn(int domid, Consumer<byte[]> out) {
            this.domid = domid;
            this.out = out;
        }

        /** Feeds bytes from the client; answers every complete frame. */
        public void receive(byte[] b, int off, int len) {
            synchronized (XenstoreTestPeer.this) {
                byte[] nb = Arrays.copyOf(buf, buf.length + len);
                System.arraycopy(b, off, nb, buf.length, len);
                buf = nb;
                while (buf.length >= 16) {
                    int plen = le32(buf, 12);
                    if (buf.length < 16 + plen) {
                        break;
                    }
                    int type = le32(buf, 0);
                    int reqId = le32(buf, 4);
                    int txId = le32(buf, 8);
                    byte[] payload = Arrays.copyOfRange(buf, 16, 16 + plen);
                    buf = Arrays.copyOfRange(buf, 16 + plen, buf.length);
                    handle(this, type, reqId, txId, payload);
                }
            }
        }

        /** Sends raw bytes to the client (hostile frames). */
        public void sendRaw(byte[] bytes) {
            out.accept(bytes);
        }
    }

    /** A connection whose output goes to {@code out}. */
    public Conn connect(int domid, Consumer<byte[]> out) {
        Conn c = new Conn(domid, out);
        conns.add(c);
        return c;
    }

    /** The connections so far. */
    public List<Conn> connections() {
        return List.copyOf(conns);
    }

    /** Serves a Unix domain socket at {@code socket}; connections act as domain 0. */
    public Path listen(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        resources.add(server);
        Thread.ofPlatform().daemon().name("xs-peer-accept").start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    resources.add(ch);
                    Conn c = connect(0, bytes -> {
                        synchronized (ch) {
                            try {
                                ByteBuffer bb = ByteBuffer.wrap(bytes);
                                while (bb.hasRemaining()) {
                                    ch.write(bb);
                                }
                            } catch (IOException e) {
                                // client gone
                            }
                        }
                    });
                    Thread.ofPlatform().daemon().name("xs-peer-conn").start(() -> {
                        ByteBuffer bb = ByteBuffer.allocate(8192);
                        try {
                            int n;
                            while ((n = ch.read(bb.clear())) > 0) {
                                c.receive(bb.array(), 0, n);
                            }
                        } catch (IOException e) {
                            // closed
                        }
                        conns.remove(c);
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return socket;
    }

    /** Serves a guest's xenstore page: call {@link RingServer#poll()} whenever the guest may have written. */
    public RingServer serveRing(MemoryAccess page, int domid, Notifier notifyGuest) {
        return new RingServer(page, domid, notifyGuest);
    }

    /** The xenstored end of one guest's ring page. */
    public final class RingServer {
        private final ByteStreamReader requests;
        private final ByteStreamWriter responses;
        private final Notifier notifyGuest;
        private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
        private final Conn conn;
        private byte[] head;
        private int headOff;

        RingServer(MemoryAccess page, int domid, Notifier notifyGuest) {
            this.requests = ByteStreamReader.attach(page, ByteStreamLayout.XENSTORE_REQUEST);
            this.responses = ByteStreamWriter.attach(page, ByteStreamLayout.XENSTORE_RESPONSE);
            this.notifyGuest = notifyGuest;
            this.conn = connect(domid, bytes -> {
                synchronized (pending) {
                    pending.add(bytes);
                }
            });
        }

        /** Reads requests, answers them, writes as much output as fits; notifies the guest when bytes moved. */
        public synchronized int poll() {
            int moved = 0;
            byte[] in = new byte[1024];
            int n;
            while ((n = requests.read(MemorySegment.ofArray(in), 0, in.length)) > 0) {
                moved += n;
                conn.receive(in, 0, n);
            }
            while (true) {
                if (head == null) {
                    synchronized (pending) {
                        head = pending.poll();
                    }
                    headOff = 0;
                    if (head == null) {
                        break;
                    }
                }
                int w = responses.write(MemorySegment.ofArray(head), headOff, head.length - headOff);
                moved += w;
                headOff += w;
                if (headOff < head.length) {
                    break;
                }
                head = null;
            }
            if (moved > 0) {
                notifyGuest.notifyPeer();
            }
            return moved;
        }

        /** The connection behind the ring. */
        public Conn connection() {
            return conn;
        }
    }

    /** An in-memory pipe to a new connection of {@code domid}. */
    public XsTransport inProcess(int domid) {
        ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        Object lock = new Object();
        Conn c = connect(domid, bytes -> {
            synchronized (lock) {
                toClient.writeBytes(bytes);
                lock.notifyAll();
            }
        });
        return new XsTransport() {
            private volatile boolean closed;

            @Override
            public int write(byte[] source, int offset, int length, long deadlineNanos) throws IOException {
                if (closed) {
                    throw new IOException("closed");
                }
                c.receive(source, offset, length);
                return length;
            }

            @Override
            public int read(byte[] destination, int offset, int length, long deadlineNanos) throws IOException {
                synchronized (lock) {
                    while (toClient.size() == 0) {
                        if (closed) {
                            throw new IOException("closed");
                        }
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            return 0;
                        }
                        try {
                            lock.wait(Math.max(1, left / 1_000_000));
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                    byte[] all = toClient.toByteArray();
                    int n = Math.min(length, all.length);
                    System.arraycopy(all, 0, destination, offset, n);
                    toClient.reset();
                    toClient.write(all, n, all.length - n);
                    return n;
                }
            }

            @Override
            public void close() {
                closed = true;
                conns.remove(c);
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        };
    }

    @Override
    public void close() {
        for (java.io.Closeable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // test double: best effort
            }
        }
    }

    // ------------------------------------------------------------------ protocol

    private void handle(Conn c, int type, int reqId, int txId, byte[] payload) {
        XsdSockmsgType t = XsdSockmsgType.of(Integer.toUnsignedLong(type)).orElse(XsdSockmsgType.INVALID);
        log.add(t.name());
        ReplyOverride o = override;
        if (o != null) {
            byte[] raw = o.reply(t, reqId, payload);
            if (raw != null) {
                c.out.accept(raw);
                return;
            }
        }
        List<String> args = split(payload);
        String p0 = args.isEmpty() ? "" : resolve(c, args.get(0));
        List<Runnable> tx = txId == 0 ? null : c.transactions.get(txId);
        if (txId != 0 && tx == null) {
            error(c, t, reqId, txId, "ENOENT");
            return;
        }
        switch (t) {
            case READ -> {
                String v = values.get(p0);
                if (v == null) {
                    error(c, t, reqId, txId, "ENOENT");
                } else {
                    reply(c, t, reqId, txId, v.getBytes(StandardCharsets.UTF_8));
                }
            }
            case WRITE -> {
                int nul = indexOf(payload, 0);
                String value = new String(payload, nul + 1, payload.length - nul - 1, StandardCharsets.UTF_8);
                apply(tx, () -> {
                    create(p0, value);
                    fire(p0);
                });
                ok(c, t, reqId, txId);
            }
            case MKDIR -> {
                apply(tx, () -> {
                    if (!values.containsKey(p0)) {
                        create(p0, "");
                        fire(p0);
                    }
                });
                ok(c, t, reqId, txId);
            }
            case RM -> {
                if (!values.containsKey(p0)) {
                    error(c, t, reqId, txId, "ENOENT");
                    return;
                }
                apply(tx, () -> {
                    values.subMap(p0, true, p0 + "/\uffff", true).clear();
                    fire(p0);
                });
                ok(c, t, reqId, txId);
            }
            case DIRECTORY -> {
                if (!values.containsKey(p0)) {
                    error(c, t, reqId, txId, "ENOENT");
                    return;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                String prefix = p0.equals("/") ? "/" : p0 + "/";
                for (String k : values.subMap(prefix, false, prefix + "\uffff", true).keySet()) {
                    String rest = k.substring(prefix.length());
                    if (!rest.isEmpty() && rest.indexOf('/') < 0) {
                        out.writeBytes(rest.getBytes(StandardCharsets.UTF_8));
                        out.write(0);
                    }
                }
                reply(c, t, reqId, txId, out.toByteArray());
            }
            case GET_PERMS -> {
                if (!values.containsKey(p0)) {
                    error(c, t, reqId, txId, "ENOENT");
                    return;
                }
                List<String> list = perms.getOrDefault(p0, List.of("n0"));
                reply(c, t, reqId, txId, strings(list));
            }
            case SET_PERMS -> {
                if (!values.containsKey(p0)) {
                    error(c, t, reqId, txId, "ENOENT");
                    return;
                }
                List<String> list = List.copyOf(args.subList(1, args.size()));
                apply(tx, () -> perms.put(p0, list));
                ok(c, t, reqId, txId);
            }
            case WATCH -> {
                String token = args.get(1);
                c.watches.put(token, args.get(0));
                ok(c, t, reqId, txId);
                event(c, args.get(0), token);   // Xen fires a new watch once
            }
            case UNWATCH -> {
                if (c.watches.remove(args.get(1)) == null) {
                    error(c, t, reqId, txId, "ENOENT");
                } else {
                    ok(c, t, reqId, txId);
                }
            }
            case TRANSACTION_START -> {
                int id = nextTx.getAndIncrement();
                c.transactions.put(id, new ArrayList<>());
                reply(c, t, reqId, 0, strings(List.of(Integer.toString(id))));
            }
            case TRANSACTION_END -> {
                List<Runnable> ops = c.transactions.remove(txId);
                if (ops == null) {
                    error(c, t, reqId, txId, "ENOENT");
                } else if (args.getFirst().equals("T") && failCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    error(c, t, reqId, txId, "EAGAIN");
                } else {
                    if (args.getFirst().equals("T")) {
                        ops.forEach(Runnable::run);
                    }
                    ok(c, t, reqId, txId);
                }
            }
            case GET_DOMAIN_PATH -> reply(c, t, reqId, txId, strings(List.of("/local/domain/" + args.getFirst())));
            default -> error(c, t, reqId, txId, "ENOSYS");
        }
    }

    private static void apply(List<Runnable> tx, Runnable op) {
        if (tx == null) {
            op.run();
        } else {
            tx.add(op);
        }
    }

    private String resolve(Conn c, String p) {
        if (p.startsWith("/") || p.startsWith("@")) {
            return p;
        }
        return "/local/domain/" + c.domid + "/" + p;
    }

    private void create(String path, String value) {
        String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        if (!path.equals("/") && !values.containsKey(parent)) {
            create(parent, "");
        }
        values.put(path, value);
    }

    private void fire(String changed) {
        for (Conn c : conns) {
            for (Map.Entry<String, String> w : c.watches.entrySet()) {
                String wp = resolve(c, w.getValue());
                if (changed.equals(wp) || changed.startsWith(wp + "/")) {
                    String shown = w.getValue().startsWith("/") ? changed
                            : changed.substring(("/local/domain/" + c.domid + "/").length());
                    event(c, shown, w.getKey());
                }
            }
        }
    }

    private void event(Conn c, String path, String token) {
        reply(c, XsdSockmsgType.WATCH_EVENT, 0, 0, strings(List.of(path, token)));
    }

    private void ok(Conn c, XsdSockmsgType t, int reqId, int txId) {
        reply(c, t, reqId, txId, new byte[] {'O', 'K', 0});
    }

    private void error(Conn c, XsdSockmsgType t, int reqId, int txId, String name) {
        reply(c, XsdSockmsgType.ERROR, reqId, txId, strings(List.of(name)));
    }

    private static void reply(Conn c, XsdSockmsgType t, int reqId, int txId, byte[] payload) {
        c.out.accept(frame(t.code(), reqId, txId, payload));
    }

    /** Encodes a raw frame (any header values, for hostile replies). */
    public static byte[] frame(int type, int reqId, int txId, int len, byte[] payload) {
        byte[] b = new byte[16 + payload.length];
        put(b, 0, type);
        put(b, 4, reqId);
        put(b, 8, txId);
        put(b, 12, len);
        System.arraycopy(payload, 0, b, 16, payload.length);
        return b;
    }

    /** Encodes a well-formed frame. */
    public static byte[] frame(int type, int reqId, int txId, byte[] payload) {
        return frame(type, reqId, txId, payload.length, payload);
    }

    /** NUL-terminated strings. */
    public static byte[] strings(List<String> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : parts) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static List<String> split(byte[] payload) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return out;
    }

    private static int indexOf(byte[] b, int v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return b.length;
    }

    private static void put(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
