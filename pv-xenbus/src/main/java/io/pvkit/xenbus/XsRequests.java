package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The node operations as payloads and reply parsers, shared by the client (transaction 0) and its
 * transactions. Every reply is validated for its type before use: an acknowledgement must be exactly
 * {@code "OK\0"}, string lists must be NUL-terminated, a transaction id decimal and non-zero; anything else
 * breaks the connection (the server does not follow xs_wire).
 */
final class XsRequests {
    private static final byte[] OK = {'O', 'K', 0};

    private final XsConnection conn;
    private final long timeoutNanos;

    XsRequests(XsConnection conn, long timeoutNanos) {
        this.conn = conn;
        this.timeoutNanos = timeoutNanos;
    }

    XsConnection connection() {
        return conn;
    }

    byte[] readBytes(int tx, String path) {
        return call(XsdSockmsgType.READ, tx, path, strings(path)).payload();
    }

    String read(int tx, String path) {
        return new String(readBytes(tx, path), StandardCharsets.UTF_8);
    }

    Optional<String> tryRead(int tx, String path) {
        try {
            return Optional.of(read(tx, path));
        } catch (XenstoreErrorException e) {
            if (e.error() == XsError.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    void write(int tx, String path, byte[] value) {
        Objects.requireNonNull(value, "value");
        byte[] p = checkPath(path);
        byte[] payload = Arrays.copyOf(p, p.length + 1 + value.length);
        System.arraycopy(value, 0, payload, p.length + 1, value.length);
        ack(XsdSockmsgType.WRITE, tx, path, payload);
    }

    void mkdir(int tx, String path) {
        ack(XsdSockmsgType.MKDIR, tx, path, strings(path));
    }

    void rm(int tx, String path) {
        ack(XsdSockmsgType.RM, tx, path, strings(path));
    }

    List<String> directory(int tx, String path) {
        XsFrame f = call(XsdSockmsgType.DIRECTORY, tx, path, strings(path));
        List<String> names = splitStrings(f.payload(), true);
        if (names == null) {
            throw violation("XS_DIRECTORY reply for " + path + " is not a list of NUL-terminated names");
        }
        return names;
    }

    List<XsPermission> getPerms(int tx, String path) {
        XsFrame f = call(XsdSockmsgType.GET_PERMS, tx, path, strings(path));
        List<String> entries = splitStrings(f.payload(), false);
        List<XsPermission> perms = entries == null ? null : XsPermission.parseAll(entries);
        if (perms == null) {
            throw violation("XS_GET_PERMS reply for " + path + " is not a permission list");
        }
        return perms;
    }

    void setPerms(int tx, String path, List<XsPermission> perms) {
        if (perms.isEmpty()) {
            throw new IllegalArgumentException("a permission list names at least the owner");
        }
        List<String> parts = new ArrayList<>();
        parts.add(path);
        for (XsPermission p : perms) {
            parts.add(p.text());
        }
        checkPath(path);
        ack(XsdSockmsgType.SET_PERMS, tx, path, strings(parts.toArray(String[]::new)));
    }

    void watch(String path, String token) {
        ack(XsdSockmsgType.WATCH, 0, path, strings(path, token));
    }

    void unwatch(String path, String token) {
        ack(XsdSockmsgType.UNWATCH, 0, path, strings(path, token));
    }

    int transactionStart() {
        XsFrame f = call(XsdSockmsgType.TRANSACTION_START, 0, "", new byte[] {0});
        String id = singleString(f.payload());
        // UNTRUSTED: a decimal u32, not 0 (0 means "no transaction")
        if (id == null || id.isEmpty() || id.length() > 10 || !id.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(id) == 0 || Long.parseLong(id) > 0xFFFF_FFFFL) {
            throw violation("XS_TRANSACTION_START reply is not a transaction id");
        }
        return (int) Long.parseLong(id);
    }

    /** Commits ({@code true}) or aborts; returns false when a commit got {@code EAGAIN}. */
    boolean transactionEnd(int tx, boolean commit) {
        try {
            ack(XsdSockmsgType.TRANSACTION_END, tx, "", new byte[] {(byte) (commit ? 'T' : 'F'), 0});
            return true;
        } catch (XenstoreErrorException e) {
            if (commit && e.error() == XsError.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    String getDomainPath(int domid) {
        XsFrame f = call(XsdSockmsgType.GET_DOMAIN_PATH, 0, "", strings(Integer.toString(domid)));
        String path = singleString(f.payload());
        if (path == null || path.isEmpty()) {
            throw violation("XS_GET_DOMAIN_PATH reply is not a NUL-terminated path");
        }
        return path;
    }

    // ------------------------------------------------------------------ helpers

    private void ack(XsdSockmsgType type, int tx, String path, byte[] payload) {
        XsFrame f = call(type, tx, path, payload);
        if (!Arrays.equals(f.payload(), OK)) {
            throw violation(type + " reply for " + path + " is not \"OK\\0\"");
        }
    }

    private XsFrame call(XsdSockmsgType type, int tx, String path, byte[] payload) {
        XsFrame f = conn.call(type, tx, payload, System.nanoTime() + timeoutNanos);
        if (f.type() == XsdSockmsgType.ERROR) {
            String name = singleString(f.payload());
            if (name == null) {
                throw violation("XS_ERROR reply to " + type + " is not a NUL-terminated error name");
            }
            XsError error = XsError.ofName(name).orElse(XsError.EINVAL);
            throw new XenstoreErrorException(error, type + " " + path
                    + (XsError.ofName(name).isPresent() ? "" : " (unknown error name '" + printable(name) + "')"));
        }
        return f;
    }

    private XenbusException violation(String what) {
        return conn.fail(new XenbusException("xenstore: " + what));
    }

    /** NUL-terminated strings; {@code null} when malformed. An empty payload is an empty list only when allowed. */
    static List<String> splitStrings(byte[] payload, boolean emptyAllowed) {
        if (payload.length == 0) {
            return emptyAllowed ? List.of() : null;
        }
        if (payload[payload.length - 1] != 0) {
            return null;
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                if (i == start) {
                    return null;   // an empty name
                }
                out.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return List.copyOf(out);
    }

    /** Exactly one NUL-terminated string (may be empty); null otherwise. */
    static String singleString(byte[] payload) {
        int n = payload.length;
        if (n == 0 || payload[n - 1] != 0) {
            return null;
        }
        for (int i = 0; i < n - 1; i++) {
            if (payload[i] == 0) {
                return null;
            }
        }
        return new String(payload, 0, n - 1, StandardCharsets.UTF_8);
    }

    static byte[] checkPath(String path) {
        Objects.requireNonNull(path, "path");
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > XsdSockmsgLayout.ABS_PATH_MAX) {
            throw new IllegalArgumentException("xenstore path must be 1.." + XsdSockmsgLayout.ABS_PATH_MAX
                    + " bytes: " + b.length);
        }
        for (byte x : b) {
            if (x == 0) {
                throw new IllegalArgumentException("xenstore path contains NUL");
            }
        }
        return b;
    }

    private static byte[] strings(String... parts) {
        checkPath(parts[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : parts) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            for (byte x : b) {
                if (x == 0) {
                    throw new IllegalArgumentException("xenstore string contains NUL");
                }
            }
            out.writeBytes(b);
            out.write(0);
        }
        return out.toByteArray();
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 32; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }
}
