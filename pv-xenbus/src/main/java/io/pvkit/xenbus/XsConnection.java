package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.xenbus.spi.XsTransport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The framing and correlation engine under {@link XenbusClient}: writes request frames, reads the reply
 * stream, validates every frame and routes it to the request waiting for its {@code req_id} or to the
 * watch-event queue.
 *
 * <p>Reading is leader/follower: whichever thread holds {@code readLock} reads and routes frames for
 * everybody (a request waiting for its reply, the event thread, a caller pumping events); the others
 * wait on {@code signal} until their reply is routed or the lock is free. So a guest's single vCPU thread
 * and a multi-threaded tool use the same code, and a slow request never stops other replies.
 *
 * <p>Trust: the server is a peer. Every header is validated before its payload is awaited (length at
 * most {@code XENSTORE_PAYLOAD_MAX}, type known, a reply's {@code req_id} outstanding and its type the
 * request's or {@code XS_ERROR}); any violation breaks the connection: every waiting and later request
 * fails with the same {@link XenbusException}. Watch events are queued up to a bound (duplicates of a
 * queued event are coalesced, beyond the bound events are dropped and counted), so a flooding server costs
 * bounded memory.
 */
final class XsConnection {
    /** Distinct queued watch events kept before new ones are dropped. */
    static final int MAX_QUEUED_EVENTS = 1024;
    private static final int HEADER = (int) XsdSockmsgLayout.SIZE;
    private static final int MAX_FRAME = HEADER + XsdSockmsgLayout.PAYLOAD_MAX;
    private static final long WAIT_SLICE_NANOS = 10_000_000L;

    private final XsTransport transport;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Object signal = new Object();
    private final Map<Integer, Pending> outstanding = new ConcurrentHashMap<>();
    private final AtomicLong nextReqId = new AtomicLong(1);
    private final ArrayDeque<WatchEvent> events = new ArrayDeque<>();   // guarded by itself
    private final Set<WatchEvent> queued = new HashSet<>();             // guarded by events
    private final AtomicLong droppedEvents = new AtomicLong();
    private final AtomicLong framesRead = new AtomicLong();
    // guarded by readLock: the receive buffer, holding at most two frames
    private final byte[] in = new byte[2 * MAX_FRAME];
    private int inStart;
    private int inEnd;
    private volatile XenbusException broken;

    /** A request waiting for its reply. */
    static final class Pending {
        final int reqId;
        final XsdSockmsgType type;
        volatile XsFrame reply;

        Pending(int reqId, XsdSockmsgType type) {
            this.reqId = reqId;
            this.type = type;
        }
    }

    XsConnection(XsTransport transport) {
        this.transport = transport;
    }

    /**
     * Sends one request and waits for its reply.
     *
     * @return the reply frame (type is the request's or ERROR)
     * @throws XenbusException when the connection breaks or no reply comes before the deadline (which
     *     breaks the connection too: a late reply could not be told from a hostile one)
     */
    XsFrame call(XsdSockmsgType type, int txId, byte[] payload, long deadlineNanos) {
        if (payload.length > XsdSockmsgLayout.PAYLOAD_MAX) {
            throw new IllegalArgumentException(type + " payload of " + payload.length + " bytes exceeds "
                    + XsdSockmsgLayout.PAYLOAD_MAX);
        }
        checkUsable();
        Pending p = register(type);
        try {
            byte[] frame = new XsFrame(type, p.reqId, txId, payload).encode();
            writeLock.lock();
            try {
                checkUsable();
                int done = 0;
                while (done < frame.length) {
                    int n = transport.write(frame, done, frame.length - done, deadlineNanos);
                    done += n;
                    if (done < frame.length && System.nanoTime() - deadlineNanos >= 0) {
                        throw fail(new XenbusException("xenstore: no space to send " + type + " before the timeout"));
                    }
                }
            } catch (IOException e) {
                throw fail(new XenbusException("xenstore: sending " + type + " failed: " + e.getMessage(), e));
            } finally {
                writeLock.unlock();
            }
            while (p.reply == null) {
                checkUsable();
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw fail(new XenbusException("xenstore: no reply to " + type + " (req_id "
                            + Integer.toUnsignedString(p.reqId) + ") before the timeout"));
                }
                if (readLock.tryLock()) {
                    try {
                        if (p.reply == null) {
                            pumpLocked(deadlineNanos);
                        }
                    } finally {
                        readLock.unlock();
                        wakeAll();
                    }
                } else {
                    awaitSignal(p);
                }
            }
            return p.reply;
        } finally {
            outstanding.remove(p.reqId);
        }
    }

    /**
     * Reads and routes frames until at least one frame was routed or the deadline passed (waiting for the
     * read lock if another thread reads).
     *
     * @return the number of frames routed
     */
    int pump(long deadlineNanos) {
        checkUsable();
        readLock.lock();
        try {
            return pumpLocked(deadlineNanos);
        } finally {
            readLock.unlock();
            wakeAll();
        }
    }

    /** Takes the queued events (oldest first). */
    WatchEvent[] drainEvents() {
        synchronized (events) {
            WatchEvent[] out = events.toArray(new WatchEvent[0]);
            events.clear();
            queued.clear();
            return out;
        }
    }

    boolean hasEvents() {
        synchronized (events) {
            return !events.isEmpty();
        }
    }

    long droppedEvents() {
        return droppedEvents.get();
    }

    long framesRead() {
        return framesRead.get();
    }

    XenbusException failure() {
        return broken;
    }

    /** Breaks the connection with {@code cause} (the first cause wins) and closes the transport. */
    XenbusException fail(XenbusException cause) {
        synchronized (signal) {
            if (broken == null) {
                broken = cause;
            }
        }
        try {
            transport.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        wakeAll();
        return broken;
    }

    // ------------------------------------------------------------------ internals

    private void checkUsable() {
        XenbusException b = broken;
        if (b != null) {
            throw new XenbusException(b.getMessage(), b);
        }
    }

    private Pending register(XsdSockmsgType type) {
        while (true) {
            // req_id is a u32 chosen by the client; skip 0 (what xenstored puts in watch events) and ids in use
            int id = (int) nextReqId.getAndIncrement();
            if (id == 0) {
                continue;
            }
            Pending p = new Pending(id, type);
            if (outstanding.putIfAbsent(id, p) == null) {
                return p;
            }
        }
    }

    private void awaitSignal(Pending p) {
        synchronized (signal) {
            if (p.reply == null && broken == null && readLock.isLocked()) {
                try {
                    signal.wait(WAIT_SLICE_NANOS / 1_000_000L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw fail(new XenbusException("xenstore: interrupted while waiting for a reply", e));
                }
            }
        }
    }

    private void wakeAll() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** Under readLock: route buffered frames; if none, read once (until the deadline) and route. */
    private int pumpLocked(long deadlineNanos) {
        int routed = routeBuffered();
        if (routed > 0) {
            return routed;
        }
        while (true) {
            if (inStart > 0) {
                System.arraycopy(in, inStart, in, 0, inEnd - inStart);
                inEnd -= inStart;
                inStart = 0;
            }
            int n;
            try {
                n = transport.read(in, inEnd, in.length - inEnd, deadlineNanos);
            } catch (IOException e) {
                throw fail(new XenbusException("xenstore: reading failed: " + e.getMessage(), e));
            }
            if (n < 0) {
                throw fail(new XenbusException("xenstore: the server closed the connection"));
            }
            if (n > in.length - inEnd) {
                throw fail(new XenbusException("xenstore: transport returned " + n + " bytes for a smaller buffer"));
            }
            inEnd += n;
            routed = routeBuffered();
            if (routed > 0 || n == 0 || System.nanoTime() - deadlineNanos >= 0) {
                return routed;
            }
        }
    }

    private int routeBuffered() {
        int routed = 0;
        XsFrame f;
        while ((f = nextFrame()) != null) {
            route(f);
            routed++;
        }
        return routed;
    }

    /** Parses one frame out of the buffer; validates the header as soon as it is complete. */
    private XsFrame nextFrame() {
        int have = inEnd - inStart;
        if (have < HEADER) {
            return null;
        }
        // UNTRUSTED: the header is in our private buffer (copied out of the ring/socket once); validate
        // the length and the type before waiting for or copying any payload
        int type = XsFrame.getLe32(in, inStart + (int) XsdSockmsgLayout.TYPE_OFFSET);
        int reqId = XsFrame.getLe32(in, inStart + (int) XsdSockmsgLayout.REQ_ID_OFFSET);
        int txId = XsFrame.getLe32(in, inStart + (int) XsdSockmsgLayout.TX_ID_OFFSET);
        int len = XsFrame.getLe32(in, inStart + (int) XsdSockmsgLayout.LEN_OFFSET);
        if (Integer.compareUnsigned(len, XsdSockmsgLayout.PAYLOAD_MAX) > 0) {
            throw fail(new XenbusException("xenstore: reply payload length " + Integer.toUnsignedString(len)
                    + " exceeds " + XsdSockmsgLayout.PAYLOAD_MAX));
        }
        XsdSockmsgType t = XsdSockmsgType.of(Integer.toUnsignedLong(type)).orElse(null);
        if (t == null || t == XsdSockmsgType.INVALID) {
            throw fail(new XenbusException("xenstore: reply of unknown type " + Integer.toUnsignedString(type)));
        }
        if (have < HEADER + len) {
            return null;
        }
        byte[] payload = Arrays.copyOfRange(in, inStart + HEADER, inStart + HEADER + len);
        inStart += HEADER + len;
        framesRead.incrementAndGet();
        return new XsFrame(t, reqId, txId, payload);
    }

    private void route(XsFrame f) {
        if (f.type() == XsdSockmsgType.WATCH_EVENT) {
            queueEvent(parseEvent(f.payload()));
            return;
        }
        Pending p = outstanding.get(f.reqId());
        if (p == null || p.reply != null) {
            throw fail(new XenbusException("xenstore: " + f.type() + " reply with req_id "
                    + Integer.toUnsignedString(f.reqId()) + " matches no outstanding request"));
        }
        if (f.type() != p.type && f.type() != XsdSockmsgType.ERROR) {
            throw fail(new XenbusException("xenstore: " + f.type() + " reply to a " + p.type + " request"));
        }
        p.reply = f;
    }

    private WatchEvent parseEvent(byte[] payload) {
        // "path\0token\0": exactly two NUL-terminated strings, the path not empty
        int firstNul = indexOf(payload, 0);
        int n = payload.length;
        if (firstNul <= 0 || n == 0 || payload[n - 1] != 0 || indexOf(payload, firstNul + 1) != n - 1) {
            throw fail(new XenbusException("xenstore: malformed XS_WATCH_EVENT payload of " + n + " bytes"));
        }
        return new WatchEvent(new String(payload, 0, firstNul, StandardCharsets.UTF_8),
                new String(payload, firstNul + 1, n - 2 - firstNul, StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private void queueEvent(WatchEvent e) {
        synchronized (events) {
            if (queued.contains(e)) {
                return;   // the same node and watch are already queued: one callback re-reads it
            }
            if (events.size() >= MAX_QUEUED_EVENTS) {
                droppedEvents.incrementAndGet();
                return;
            }
            events.add(e);
            queued.add(e);
        }
    }
}
