package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.abi.xenstore.XsdSockmsgLayout;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One end of a xenbus device: its own xenstore directory with a {@code state} node, and the other end's
 * directory, whose {@code state} it watches. The two ends are {@link FrontendDevice} (in the guest) and
 * {@link BackendDevice} (in the driver domain); each walks its half of Linux's handshake and follows the
 * other end to {@link XenbusState#CLOSED}, so closing from either side reaches Closed on both.
 *
 * <p>Reacting to the other end ({@link #followOtherEnd()}) happens in the watch listener, i.e. where the
 * client's {@link EventDispatch} runs listeners: with {@link EventDispatch#CALLER} only while the owner
 * calls {@link XenbusClient#dispatchEvents()}/{@link XenbusClient#awaitEvents(Duration)} or waits in
 * this class.
 *
 * <p>Trust: the other end's directory is written by another domain. Its paths and numbers are validated
 * when read ({@link #readOtherEndInt}); a {@code state} that is not a xenbus state fails the handshake.
 *
 * <p>Thread-safe as far as the client is; the handshake methods are meant for one thread.
 */
public abstract sealed class XenbusDevice implements AutoCloseable permits FrontendDevice, BackendDevice {
    private final XenbusClient client;
    private final String path;
    private final String otherEndPath;
    private final int otherEndId;
    private final Object changed = new Object();
    private long changes;                                    // guarded by changed
    private volatile XenbusState ownState = XenbusState.UNKNOWN;
    private volatile Consumer<XenbusState> stateListener = s -> { };
    private volatile XenbusWatch watch;
    private volatile boolean otherEndSeen;
    // held across "decide, write state, record it": the owner's handshake thread and the watch listener
    // (close-following) may switch at the same time, and a decision must see the state the other one wrote
    private final ReentrantLock transition = new ReentrantLock();

    XenbusDevice(XenbusClient client, String path, String otherKey, String otherIdKey) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = checkDir(path, "device path");
        // UNTRUSTED: the toolstack (or a hostile peer with write access) wrote these
        String other = client.read(this.path + "/" + otherKey);
        this.otherEndPath = checkDir(other, this.path + "/" + otherKey);
        this.otherEndId = parseInt(client.read(this.path + "/" + otherIdKey), 0, XenbusKeys.DOMID_FIRST_RESERVED - 1,
                this.path + "/" + otherIdKey);
        this.ownState = XenbusState.parse(client.tryRead(this.path + "/" + XenbusKeys.STATE).orElse(null))
                .orElse(XenbusState.UNKNOWN);
    }

    /** Registers the watch on the other end's state; called by the factories once construction is done. */
    final void start() {
        watch = client.watch(otherEndPath + "/" + XenbusKeys.STATE, e -> {
            synchronized (changed) {
                changes++;
                changed.notifyAll();
            }
            followOtherEnd();
        });
    }

    /**
     * The client this device talks through.
     *
     * @return the client
     */
    public final XenbusClient client() {
        return client;
    }

    /**
     * This end's directory.
     *
     * @return the path (no trailing slash)
     */
    public final String path() {
        return path;
    }

    /**
     * The other end's directory, as this end's directory names it.
     *
     * @return the path
     */
    public final String otherEndPath() {
        return otherEndPath;
    }

    /**
     * The other end's domain, as this end's directory names it.
     *
     * @return a domain id below {@code DOMID_FIRST_RESERVED}
     */
    public final int otherEndId() {
        return otherEndId;
    }

    /**
     * The state this end last wrote (or read at open), without a request.
     *
     * @return the state
     */
    public final XenbusState ownState() {
        return ownState;
    }

    /**
     * Registers what runs after each state this end switches to (for example: a backend unbinds its port at
     * {@link XenbusState#CLOSING}). It runs on the thread that switched.
     *
     * @param listener the listener (replaces the previous one)
     */
    public final void onStateChange(Consumer<XenbusState> listener) {
        this.stateListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * The absolute path of a key in this end's directory.
     *
     * @param key e.g. {@link XenbusKeys#EVENT_CHANNEL}
     * @return the path
     */
    public final String key(String key) {
        return path + "/" + key;
    }

    /**
     * The absolute path of a key in the other end's directory.
     *
     * @param key e.g. {@link XenbusKeys#STATE}
     * @return the path
     */
    public final String otherEndKey(String key) {
        return otherEndPath + "/" + key;
    }

    /**
     * Reads this end's {@code state} node.
     *
     * @return the state; {@link XenbusState#UNKNOWN} when the node is missing
     * @throws XenbusHandshakeException when the node is not a xenbus state
     */
    public final XenbusState state() {
        return readState(key(XenbusKeys.STATE));
    }

    /**
     * Reads the other end's {@code state} node.
     *
     * @return the state; {@link XenbusState#UNKNOWN} when the node is missing
     * @throws XenbusHandshakeException when the node is not a xenbus state
     */
    public final XenbusState otherEndState() {
        XenbusState s = readState(otherEndKey(XenbusKeys.STATE));
        if (s != XenbusState.UNKNOWN) {
            otherEndSeen = true;
        }
        return s;
    }

    /**
     * Whether the other end's {@code state} node ever held a state: a missing node means "gone" only after
     * that (a toolstack may write the two directories one after the other).
     *
     * @return true once a state other than {@link XenbusState#UNKNOWN} was read
     */
    public final boolean otherEndSeen() {
        return otherEndSeen;
    }

    /**
     * Reads a decimal number the other end published (an event channel, a grant reference).
     *
     * @param key the key in the other end's directory
     * @param min the smallest valid value
     * @param max the largest valid value
     * @return the value
     * @throws XenbusHandshakeException when the key is missing or not a decimal number in range
     */
    public final int readOtherEndInt(String key, int min, int max) {
        String where = otherEndKey(key);
        String text = client.tryRead(where).orElseThrow(
                () -> new XenbusHandshakeException(where + " is missing", XenbusState.UNKNOWN));
        return parseInt(text, min, max, where);
    }

    /**
     * Writes this end's {@code state} (Linux's {@code xenbus_switch_state}); does nothing when this end
     * already wrote that state.
     *
     * @param next the new state
     */
    public final void switchState(XenbusState next) {
        Objects.requireNonNull(next, "next");
        transition.lock();
        try {
            if (ownState == next || ownState == XenbusState.CLOSED && next == XenbusState.CLOSING) {
                return;   // already there; and a closed end never goes back to Closing
            }
            client.write(key(XenbusKeys.STATE), Integer.toString(next.code()));
            stateWritten(next);
        } finally {
            transition.unlock();
        }
    }

    /** The lock that serialises state decisions and switches of this device (reentrant). */
    final ReentrantLock transition() {
        return transition;
    }

    /** Records a state written by a subclass (in a transaction). */
    final void stateWritten(XenbusState next) {
        ownState = next;
        stateListener.accept(next);
    }

    /**
     * Waits until the other end's state is one of {@code wanted}, reading it after every watch event.
     *
     * @param wanted the states to wait for
     * @param timeout how long at most
     * @return the state reached
     * @throws XenbusHandshakeException when the timeout passes first
     */
    public final XenbusState awaitOtherEnd(Set<XenbusState> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen;
            synchronized (changed) {
                seen = changes;
            }
            XenbusState s = otherEndState();
            if (wanted.contains(s)) {
                return s;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new XenbusHandshakeException(otherEndKey(XenbusKeys.STATE) + " is " + s + ", not "
                        + wanted + " after " + timeout, s);
            }
            if (client.options().dispatch() == EventDispatch.CALLER) {
                client.awaitEvents(Duration.ofNanos(left));
            } else {
                awaitChange(seen, deadline);
            }
        }
    }

    private void awaitChange(long seen, long deadline) {
        synchronized (changed) {
            while (changes == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    changed.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new XenbusHandshakeException("interrupted while waiting for " + otherEndKey(XenbusKeys.STATE),
                            XenbusState.UNKNOWN);
                }
            }
        }
    }

    /**
     * Reacts to the other end's current state (close-following); runs from the watch listener, and may be
     * called by the owner at any time.
     */
    public abstract void followOtherEnd();

    /** Removes the watch on the other end (does not change any state). */
    @Override
    public void close() {
        XenbusWatch w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (XenbusException e) {
                // the connection is gone; so is the watch
            }
        }
    }

    static final Set<XenbusState> CLOSED_OR_GONE = EnumSet.of(XenbusState.CLOSED, XenbusState.UNKNOWN);

    private XenbusState readState(String where) {
        String text = client.tryRead(where).orElse(null);
        // UNTRUSTED: a decimal xenbus state, or missing
        return XenbusState.parse(text).orElseThrow(() -> new XenbusHandshakeException(where + " is not a xenbus state",
                XenbusState.UNKNOWN));
    }

    static int parseInt(String text, int min, int max, String where) {
        if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new XenbusHandshakeException(where + " is not a decimal number", XenbusState.UNKNOWN);
        }
        long v = Long.parseLong(text);
        if (v < min || v > max) {
            throw new XenbusHandshakeException(where + " = " + v + " is outside " + min + ".." + max, XenbusState.UNKNOWN);
        }
        return (int) v;
    }

    private static String checkDir(String p, String what) {
        Objects.requireNonNull(p, what);
        if (p.isEmpty() || p.charAt(0) != '/' || p.endsWith("/") || p.contains("//")
                || p.length() > XsdSockmsgLayout.ABS_PATH_MAX - 64) {
            throw new XenbusHandshakeException(what + " is not an absolute xenstore directory", XenbusState.UNKNOWN);
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "/-_@.".indexOf(c) >= 0)) {
                throw new XenbusHandshakeException(what + " has a character xenstore paths do not allow",
                        XenbusState.UNKNOWN);
            }
        }
        return p;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + " (" + ownState + ") <-> " + otherEndPath + "]";
    }
}
