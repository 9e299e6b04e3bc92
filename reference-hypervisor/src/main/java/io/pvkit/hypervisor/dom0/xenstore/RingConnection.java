package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.RingBrokenException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A guest's connection over its {@code xenstore_domain_interface} page: requests arrive on the {@code req}
 * byte-stream ring, replies and watch events leave on {@code rsp} (pv-rings' {@link ByteStreamReader} and
 * {@link ByteStreamWriter}). Served by domain 0's vCPU: {@link #service()} is called when the guest's port
 * fired or output is waiting.
 *
 * <p>Trust: the page is guest-writable. Bytes are copied out once (header, then exactly {@code len} payload
 * bytes) and only the copy is parsed. A {@code len} above the payload limit cannot be resynchronised: the
 * connection stops with {@code error = XENSTORE_ERROR_PROTO} (C xenstored's {@code ignore_connection}); a
 * corrupt ring index stops it with {@code XENSTORE_ERROR_RINGIDX}. Other domains' connections are not
 * affected. At most {@value #MESSAGES_PER_TURN} requests are handled per call, and none while
 * {@link XenstoreLimits#maxOutstandingRequests()} replies wait for ring space.
 *
 * <p>Not thread-safe: one servicing thread (domain 0's vCPU); watch events may be queued from any thread.
 */
public final class RingConnection extends Connection {
    /** Requests handled per {@link #service()} call, so one guest cannot starve the others. */
    public static final int MESSAGES_PER_TURN = 32;

    private final MemorySegment page;
    private final Runnable notify;
    private final ByteStreamReader requests;
    private final ByteStreamWriter responses;
    private final byte[] header = new byte[XsMessage.HEADER];
    private final MemorySegment headerSegment = MemorySegment.ofArray(header);
    private int headerFill;
    private byte[] body;
    private MemorySegment bodySegment;
    private int bodyFill;
    private MemorySegment sending;
    private int sendPos;
    private final AtomicBoolean outputWaiting = new AtomicBoolean();
    private volatile Runnable wake = () -> { };
    private String broken;

    RingConnection(Xenstored daemon, int domid, MemorySegment page, Runnable notify) {
        super(daemon, new Caller(domid, false));
        this.page = page;
        this.notify = notify;
        GuestMemory shared = GuestMemory.wrap(page);
        this.requests = ByteStreamReader.attach(shared, ByteStreamLayout.XENSTORE_REQUEST);
        this.responses = ByteStreamWriter.attach(shared, ByteStreamLayout.XENSTORE_RESPONSE);
        shared.setIntRelease(XenstoreDomainInterfaceLayout.SERVER_FEATURES_OFFSET,
                XenstoreDomainInterfaceLayout.SERVER_FEATURE_ERROR);
    }

    /**
     * What to call (from any thread) when output was queued for this guest, so that domain 0 services it.
     *
     * @param wake the wake-up
     */
    public void onOutput(Runnable wake) {
        this.wake = wake;
    }

    /**
     * Whether output (a reply or watch event) waits to be written.
     *
     * @return true when {@link #service()} has something to write
     */
    public boolean outputWaiting() {
        return outputWaiting.get() || sending != null;
    }

    /**
     * Why the connection stopped, or null while it works.
     *
     * @return the reason
     */
    public String broken() {
        return broken;
    }

    /**
     * Writes waiting output, reads and handles up to {@value #MESSAGES_PER_TURN} requests, notifies the guest
     * when bytes moved.
     *
     * @return true when more requests may be waiting (call again before sleeping)
     */
    public boolean service() {
        if (broken != null || closed) {
            return false;
        }
        boolean moved = false;
        boolean more = false;
        try {
            outputWaiting.set(false);
            moved |= flush();
            int handled = 0;
            while (!tooManyOutstanding() && !closed) {
                if (handled == MESSAGES_PER_TURN) {
                    more = true;
                    break;
                }
                int before = requests.consumerIndex();
                XsMessage m = readMessage();
                moved |= requests.consumerIndex() != before;
                if (m == null) {
                    break;
                }
                handled++;
                daemon.handle(this, m);
                moved |= flush();
            }
        } catch (RingBrokenException e) {
            fail(XenstoreDomainInterfaceLayout.ERROR_RINGIDX, "ring index corrupt: " + e.getMessage());
            moved = true;
        } catch (ProtocolViolation e) {
            fail(XenstoreDomainInterfaceLayout.ERROR_PROTO, e.getMessage());
            moved = true;
        } catch (IllegalStateException e) {
            broken = "page gone: " + e.getMessage(); // the guest died; its mapping was revoked
            daemon.close(this);
            return false;
        }
        if (moved) {
            notify.run();
        }
        return more;
    }

    @Override
    void wake() {
        outputWaiting.set(true);
        wake.run();
    }

    private XsMessage readMessage() {
        while (headerFill < header.length) {
            int n = requests.read(headerSegment, headerFill, header.length - headerFill);
            if (n == 0) {
                return null;
            }
            headerFill += n;
        }
        if (body == null) {
            // UNTRUSTED: len comes from the guest's copy; checked before anything is allocated
            long len = XsMessage.length(header);
            if (len > daemon.limits().maxPayload()) {
                throw new ProtocolViolation("payload length " + len + " > " + daemon.limits().maxPayload());
            }
            body = new byte[(int) len];
            bodySegment = MemorySegment.ofArray(body);
            bodyFill = 0;
        }
        while (bodyFill < body.length) {
            int n = requests.read(bodySegment, bodyFill, body.length - bodyFill);
            if (n == 0) {
                return null;
            }
            bodyFill += n;
        }
        XsMessage m = XsMessage.of(header.clone(), body);
        headerFill = 0;
        body = null;
        bodySegment = null;
        return m;
    }

    /** @return whether bytes were written */
    private boolean flush() {
        boolean wrote = false;
        while (true) {
            if (sending == null) {
                byte[] next = nextOutput();
                if (next == null) {
                    return wrote;
                }
                sending = MemorySegment.ofArray(next);
                sendPos = 0;
            }
            int left = (int) sending.byteSize() - sendPos;
            int n = responses.write(sending, sendPos, left);
            if (n > 0) {
                wrote = true;
            }
            sendPos += n;
            if (sendPos == sending.byteSize()) {
                sending = null;
            } else {
                return wrote; // the ring is full; the guest notifies when it consumed
            }
        }
    }

    private void fail(int error, String why) {
        broken = why;
        try {
            GuestMemory.wrap(page).setIntRelease(XenstoreDomainInterfaceLayout.ERROR_OFFSET, error);
        } catch (IllegalStateException gone) {
            // the page died with the guest
        }
        daemon.close(this);
    }

    /** A message that cannot be framed (a length above the limit). */
    private static final class ProtocolViolation extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message, null, false, false);
        }
    }
}
