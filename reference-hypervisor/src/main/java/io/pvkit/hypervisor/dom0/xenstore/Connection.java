package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client of xenstored (a guest's ring, a tools socket, an in-process dom0 service): who it is, its
 * watches and open transactions (guarded by {@link Xenstored}'s lock), and its output queue (thread-safe:
 * watch events are queued by whichever thread made the change). The transport drains the queue.
 */
public abstract sealed class Connection permits RingConnection, SocketConnection, LocalConnection {
    final Caller caller;
    final List<Watch> watches = new ArrayList<>();
    final Map<Integer, Transaction> transactions = new HashMap<>();
    private final ConcurrentLinkedQueue<byte[]> output = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedReplies = new AtomicInteger();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicLong droppedEvents = new AtomicLong();
    private int nextTransaction = 1;
    volatile boolean closed;
    final Xenstored daemon;

    Connection(Xenstored daemon, Caller caller) {
        this.daemon = daemon;
        this.caller = caller;
    }

    /**
     * The domain this connection speaks for.
     *
     * @return the domain id
     */
    public final int domid() {
        return caller.domid();
    }

    /**
     * Watch events dropped because the connection did not read them fast enough.
     *
     * @return the count
     */
    public final long droppedEvents() {
        return droppedEvents.get();
    }

    int allocateTransactionId() {
        int id;
        do {
            id = nextTransaction++;
        } while (id == 0 || transactions.containsKey(id));
        return id;
    }

    void reply(XsMessage m) {
        if (closed) {
            return;
        }
        queuedReplies.incrementAndGet();
        output.add(m.encode());
        wake();
    }

    void error(int reqId, int txId, XsError e) {
        reply(XsMessage.of(XsdSockmsgType.ERROR.code(), reqId, txId, e.name() + "\0"));
    }

    void event(String path, String token) {
        if (closed) {
            return;
        }
        if (queuedEvents.get() >= daemon.limits().maxQueuedEvents()) {
            droppedEvents.incrementAndGet();
            return;
        }
        queuedEvents.incrementAndGet();
        byte[] payload = (path + "\0" + token + "\0").getBytes(StandardCharsets.ISO_8859_1);
        output.add(new XsMessage(XsdSockmsgType.WATCH_EVENT.code(), 0, 0, payload).encode());
        wake();
    }

    /** Whether replies are waiting: the transport stops reading requests at the limit. */
    final boolean tooManyOutstanding() {
        return queuedReplies.get() >= daemon.limits().maxOutstandingRequests();
    }

    /** The next frame to send, or null. */
    final byte[] nextOutput() {
        byte[] f = output.poll();
        if (f != null) {
            if (isEvent(f)) {
                queuedEvents.decrementAndGet();
            } else {
                queuedReplies.decrementAndGet();
            }
        }
        return f;
    }

    final boolean hasOutput() {
        return !output.isEmpty();
    }

    /** Tells the transport that output is waiting. */
    abstract void wake();

    /** Watch events are the only frames of type {@code XS_WATCH_EVENT} xenstored sends. */
    private static boolean isEvent(byte[] frame) {
        return (frame[0] & 0xFF) == XsdSockmsgType.WATCH_EVENT.code() && frame[1] == 0 && frame[2] == 0 && frame[3] == 0;
    }
}
