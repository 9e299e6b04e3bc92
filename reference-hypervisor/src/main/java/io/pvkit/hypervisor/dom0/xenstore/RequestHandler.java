package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The protocol: decodes one request's payload (a private copy), runs it and queues the reply. Called with
 * {@link Xenstored}'s lock held, except {@code XS_INTRODUCE}/{@code XS_RELEASE}, which {@link Xenstored}
 * runs outside the lock because they wait for domain 0's hypercalls.
 *
 * <p>Payload rules (C xenstored's {@code onearg}/{@code get_strings}): string arguments are NUL-terminated;
 * a payload that does not end with NUL where a string is expected is {@code EINVAL}; {@code XS_WRITE} is
 * "path NUL value" with an unterminated value. An unknown or server-only type is {@code ENOSYS}; an unknown
 * transaction id is {@code ENOENT}.
 */
final class RequestHandler {
    private static final String OK = "OK\0";

    private final Xenstored daemon;

    RequestHandler(Xenstored daemon) {
        this.daemon = daemon;
    }

    void handle(Connection c, XsMessage m, XsdSockmsgType type) {
        switch (type) {
            case READ -> {
                String path = path(c, oneArg(m), false);
                c.reply(new XsMessage(m.type(), m.reqId(), m.txId(), ops(c, m).read(path)));
            }
            case WRITE -> {
                int nul = indexOfNul(m.payload(), 0);
                if (nul < 0) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                String path = path(c, latin1(m.payload(), 0, nul), false);
                byte[] value = Arrays.copyOfRange(m.payload(), nul + 1, m.payload().length);
                ops(c, m).write(path, value);
                ack(c, m);
            }
            case MKDIR -> {
                ops(c, m).mkdir(path(c, oneArg(m), false));
                ack(c, m);
            }
            case RM -> {
                ops(c, m).rm(path(c, oneArg(m), false));
                ack(c, m);
            }
            case DIRECTORY -> {
                byte[] list = names(ops(c, m).directory(path(c, oneArg(m), false)));
                if (list.length > daemon.limits().maxPayload()) {
                    throw new XenstoreException(XsError.E2BIG);
                }
                c.reply(new XsMessage(m.type(), m.reqId(), m.txId(), list));
            }
            case DIRECTORY_PART -> directoryPart(c, m);
            case GET_PERMS -> {
                String path = path(c, oneArg(m), true);
                Perms perms = path.charAt(0) == '@' ? daemon.specialPerms(path) : ops(c, m).getPerms(path);
                if (path.charAt(0) == '@' && (perms.access(c.caller) & Perms.READ) == 0) {
                    throw new XenstoreException(XsError.EACCES);
                }
                c.reply(XsMessage.of(m.type(), m.reqId(), m.txId(), perms.wire()));
            }
            case SET_PERMS -> {
                List<String> args = strings(m.payload());
                if (args.size() < 2) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                String path = path(c, args.getFirst(), true);
                Perms perms = Perms.parse(args.subList(1, args.size()));
                if (path.charAt(0) == '@') {
                    daemon.setSpecialPerms(c.caller, path, perms);
                } else {
                    ops(c, m).setPerms(path, perms);
                }
                ack(c, m);
            }
            case WATCH -> watch(c, m);
            case UNWATCH -> {
                List<String> args = twoArgs(m);
                String path = path(c, args.get(0), true);
                if (!c.watches.removeIf(w -> w.path().equals(path) && w.token().equals(args.get(1)))) {
                    throw new XenstoreException(XsError.ENOENT);
                }
                ack(c, m);
            }
            case TRANSACTION_START -> {
                oneArg(m);
                if (m.txId() != 0) {
                    throw new XenstoreException(XsError.EBUSY);
                }
                if (!c.caller.privileged() && c.transactions.size() >= daemon.limits().maxTransactionsPerConnection()) {
                    throw new XenstoreException(XsError.ENOSPC);
                }
                int id = c.allocateTransactionId();
                c.transactions.put(id, new Transaction(id, daemon.store(), daemon.limits().maxNodesPerTransaction()));
                c.reply(XsMessage.of(m.type(), m.reqId(), 0, id + "\0"));
            }
            case TRANSACTION_END -> {
                String arg = oneArg(m);
                if (!arg.equals("T") && !arg.equals("F")) {
                    throw new XenstoreException(XsError.EINVAL);
                }
                Transaction t = c.transactions.remove(m.txId());
                if (t == null) {
                    throw new XenstoreException(XsError.ENOENT);
                }
                if (arg.equals("T")) {
                    if (!t.commit()) {
                        throw new XenstoreException(XsError.EAGAIN);
                    }
                    daemon.fireChanges();
                }
                ack(c, m);
            }
            case IS_DOMAIN_INTRODUCED -> {
                int domid = domid(oneArg(m));
                c.reply(XsMessage.of(m.type(), m.reqId(), m.txId(), daemon.isIntroduced(domid) ? "T\0" : "F\0"));
            }
            case GET_DOMAIN_PATH -> {
                int domid = domid(oneArg(m));
                c.reply(XsMessage.of(m.type(), m.reqId(), m.txId(), XsPath.home(domid) + "\0"));
            }
            case RESET_WATCHES -> {
                c.watches.clear();
                c.transactions.clear();
                ack(c, m);
            }
            // not implemented; a guest asking for a privileged operation is refused first, as C xenstored does
            case SET_TARGET -> throw new XenstoreException(c.caller.privileged() ? XsError.ENOSYS : XsError.EACCES);
            default -> throw new XenstoreException(XsError.ENOSYS);
        }
    }

    private void watch(Connection c, XsMessage m) {
        List<String> args = twoArgs(m);
        String raw = args.get(0);
        String path = path(c, raw, true);
        String token = args.get(1);
        for (Watch w : c.watches) {
            if (w.path().equals(path) && w.token().equals(token)) {
                throw new XenstoreException(XsError.EEXIST);
            }
        }
        if (!c.caller.privileged() && c.watches.size() >= daemon.limits().maxWatchesPerConnection()) {
            throw new XenstoreException(XsError.E2BIG);
        }
        Watch w = new Watch(path, token, raw.charAt(0) != '/' && raw.charAt(0) != '@');
        c.watches.add(w);
        ack(c, m);
        c.event(raw, token); // fires once at registration, whatever exists (Xen)
    }

    /** DIRECTORY_PART: "path NUL offset NUL" -> "generation NUL" + whole names from offset + a final NUL at the end. */
    private void directoryPart(Connection c, XsMessage m) {
        List<String> args = twoArgs(m);
        String path = path(c, args.get(0), false);
        long offset = number(args.get(1), Integer.MAX_VALUE);
        TreeOps ops = ops(c, m);
        Node node = ops.node(path);
        byte[] all = names(node.children());
        if (offset > all.length) {
            throw new XenstoreException(XsError.EINVAL);
        }
        byte[] gen = (node.generation() + "\0").getBytes(StandardCharsets.ISO_8859_1);
        int room = daemon.limits().maxPayload() - gen.length - 1;
        int start = (int) offset;
        int end = start;
        while (end < all.length) {
            int nul = indexOfNul(all, end);
            if (nul + 1 - start > room) {
                break;
            }
            end = nul + 1;
        }
        if (end == start && end < all.length) {
            throw new XenstoreException(XsError.E2BIG);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(gen);
        out.write(all, start, end - start);
        if (end == all.length) {
            out.write(0);
        }
        c.reply(new XsMessage(m.type(), m.reqId(), m.txId(), out.toByteArray()));
    }

    private TreeOps ops(Connection c, XsMessage m) {
        NodeView view = daemon.store();
        if (m.txId() != 0) {
            Transaction t = c.transactions.get(m.txId());
            if (t == null) {
                throw new XenstoreException(XsError.ENOENT);
            }
            view = t;
        }
        return new TreeOps(view, c.caller, daemon.limits());
    }

    private String path(Connection c, String raw, boolean allowSpecial) {
        return XsPath.resolve(raw, c.caller.domid(), daemon.limits().maxRelativePathLength(), allowSpecial);
    }

    private static void ack(Connection c, XsMessage m) {
        c.reply(XsMessage.of(m.type(), m.reqId(), m.txId(), OK));
    }

    /** One NUL-terminated string that is the whole payload. */
    static String oneArg(XsMessage m) {
        byte[] p = m.payload();
        int nul = indexOfNul(p, 0);
        if (p.length == 0 || nul != p.length - 1) {
            throw new XenstoreException(XsError.EINVAL);
        }
        return latin1(p, 0, nul);
    }

    private static List<String> twoArgs(XsMessage m) {
        List<String> s = strings(m.payload());
        if (s.size() != 2) {
            throw new XenstoreException(XsError.EINVAL);
        }
        return s;
    }

    /** Every NUL-terminated string of a payload that must end with NUL. */
    static List<String> strings(byte[] p) {
        if (p.length == 0 || p[p.length - 1] != 0) {
            throw new XenstoreException(XsError.EINVAL);
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < p.length) {
            int nul = indexOfNul(p, start);
            out.add(latin1(p, start, nul));
            start = nul + 1;
        }
        return out;
    }

    static int domid(String text) {
        return (int) number(text, 0xFFFF);
    }

    static long number(String text, long max) {
        if (text.isEmpty() || text.length() > 20) {
            throw new XenstoreException(XsError.EINVAL);
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new XenstoreException(XsError.EINVAL);
            }
            v = v * 10 + (ch - '0');
            if (v > max) {
                throw new XenstoreException(XsError.EINVAL);
            }
        }
        return v;
    }

    private static byte[] names(List<String> children) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String name : children) {
            out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    static int indexOfNul(byte[] p, int from) {
        for (int i = from; i < p.length; i++) {
            if (p[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    static String latin1(byte[] p, int from, int to) {
        return new String(p, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
