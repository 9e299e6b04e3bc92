package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An in-process privileged connection for domain 0's own services (what a dom0 kernel's xenbus driver is to
 * C xenstored): requests are answered synchronously, watch events queue until {@link #pollEvent()}.
 * Relative paths resolve under {@code /local/domain/0}. Requests from one thread at a time.
 */
public final class LocalConnection extends Connection {
    private final Runnable wakeUp;
    private XsMessage lastReply;
    private int nextReq = 1;

    /**
     * One watch event.
     *
     * @param path the path that changed (relative when the watch was)
     * @param token the watch's token
     */
    public record WatchEvent(String path, String token) {
    }

    LocalConnection(Xenstored daemon, Runnable wakeUp) {
        super(daemon, new Caller(0, true));
        this.wakeUp = wakeUp;
    }

    /**
     * Sends one request.
     *
     * @param type the request type
     * @param txId the transaction, or 0
     * @param payload the payload (ISO-8859-1 bytes)
     * @return the reply payload
     * @throws XenstoreException with the error of an {@code XS_ERROR} reply
     */
    public byte[] request(XsdSockmsgType type, int txId, String payload) {
        lastReply = null;
        daemon.handle(this, XsMessage.of(type.code(), nextReq++, txId, payload));
        XsMessage r = lastReply;
        lastReply = null;
        if (r == null) {
            throw new XenstoreException(XsError.EIO);
        }
        if (r.type() == XsdSockmsgType.ERROR.code()) {
            String name = new String(r.payload(), StandardCharsets.ISO_8859_1).replace("\0", "");
            throw new XenstoreException(XsError.ofName(name).orElse(XsError.EIO));
        }
        return r.payload();
    }

    /**
     * Reads a value.
     *
     * @param path the path
     * @return the value, or null when the node does not exist
     */
    public String read(String path) {
        try {
            return new String(request(XsdSockmsgType.READ, 0, path + "\0"), StandardCharsets.ISO_8859_1);
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Writes a value (creating missing parents).
     *
     * @param txId the transaction, or 0
     * @param path the path
     * @param value the value
     */
    public void write(int txId, String path, String value) {
        request(XsdSockmsgType.WRITE, txId, path + "\0" + value);
    }

    /**
     * Creates a node if it does not exist.
     *
     * @param txId the transaction, or 0
     * @param path the path
     */
    public void mkdir(int txId, String path) {
        request(XsdSockmsgType.MKDIR, txId, path + "\0");
    }

    /**
     * Removes a node and its subtree.
     *
     * @param txId the transaction, or 0
     * @param path the path
     */
    public void rm(int txId, String path) {
        request(XsdSockmsgType.RM, txId, path + "\0");
    }

    /**
     * Lists children.
     *
     * @param path the path
     * @return the child names, empty when the node does not exist
     */
    public List<String> directory(String path) {
        try {
            String s = new String(request(XsdSockmsgType.DIRECTORY, 0, path + "\0"), StandardCharsets.ISO_8859_1);
            return s.isEmpty() ? List.of() : Arrays.asList(s.split("\0"));
        } catch (XenstoreException e) {
            if (e.error() == XsError.ENOENT) {
                return List.of();
            }
            throw e;
        }
    }

    /**
     * Sets permissions.
     *
     * @param txId the transaction, or 0
     * @param path the path
     * @param perms the entries, owner first ({@code "n0"}, {@code "r3"} ...)
     */
    public void setPerms(int txId, String path, String... perms) {
        request(XsdSockmsgType.SET_PERMS, txId, path + "\0" + String.join("\0", perms) + "\0");
    }

    /**
     * Registers a watch (its first event is queued at once).
     *
     * @param path the path or special name
     * @param token the token
     */
    public void watch(String path, String token) {
        request(XsdSockmsgType.WATCH, 0, path + "\0" + token + "\0");
    }

    /**
     * Removes a watch.
     *
     * @param path the path
     * @param token the token
     */
    public void unwatch(String path, String token) {
        request(XsdSockmsgType.UNWATCH, 0, path + "\0" + token + "\0");
    }

    /**
     * Starts a transaction.
     *
     * @return its id
     */
    public int transactionStart() {
        String id = new String(request(XsdSockmsgType.TRANSACTION_START, 0, "\0"), StandardCharsets.ISO_8859_1);
        return Integer.parseInt(id.replace("\0", ""));
    }

    /**
     * Ends a transaction.
     *
     * @param txId the transaction
     * @param commit true to commit, false to abort
     * @return false when the commit conflicted ({@code EAGAIN}): retry the whole transaction
     */
    public boolean transactionEnd(int txId, boolean commit) {
        try {
            request(XsdSockmsgType.TRANSACTION_END, txId, commit ? "T\0" : "F\0");
            return true;
        } catch (XenstoreException e) {
            if (e.error() == XsError.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The next queued watch event.
     *
     * @return the event, or null when none is queued
     */
    public WatchEvent pollEvent() {
        byte[] f = nextOutput();
        if (f == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(2);
        int start = XsMessage.HEADER;
        for (int i = start; i < f.length && parts.size() < 2; i++) {
            if (f[i] == 0) {
                parts.add(new String(f, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return parts.size() == 2 ? new WatchEvent(parts.get(0), parts.get(1)) : null;
    }

    /** Drops the connection with its watches and transactions. */
    public void close() {
        daemon.close(this);
    }

    @Override
    void reply(XsMessage m) {
        lastReply = m;
    }

    @Override
    void wake() {
        wakeUp.run();
    }
}
