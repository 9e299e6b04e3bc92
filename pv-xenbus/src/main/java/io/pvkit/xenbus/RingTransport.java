package io.pvkit.xenbus;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.spi.Notifier;
import io.pvkit.xenbus.spi.StoreWaiter;
import io.pvkit.xenbus.spi.XsTransport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The guest's transport: the two byte-stream rings of its xenstore page
 * ({@code struct xenstore_domain_interface}, {@code xen/io/xs_wire.h}) through pv-rings, as Linux's
 * {@code xb_write}/{@code xb_read} use them: requests into {@code req}, replies and watch events out of
 * {@code rsp}, xenstored notified after every write that moved bytes and every read that freed space.
 *
 * <p>Trust: the indices xenstored writes ({@code req_cons}, {@code rsp_prod}) are read once per call and
 * validated by pv-rings (a distance larger than the 1024-byte ring breaks the transport with an
 * {@link IOException}); payload bytes are copied out once into the client's private buffer before any is
 * parsed. This side's indices are taken from the page at attach (a page fresh from the toolstack has all
 * four at 0).
 *
 * <p>One writer thread and one reader thread at a time (the client guarantees it).
 */
public final class RingTransport implements XsTransport {
    private final ByteStreamWriter requests;
    private final ByteStreamReader responses;
    private final Notifier notifier;
    private final StoreWaiter waiter;
    private volatile boolean closed;

    private RingTransport(MemoryAccess page, Notifier notifier, StoreWaiter waiter) {
        if (page.byteSize() < XenstoreDomainInterfaceLayout.SIZE) {
            throw new IllegalArgumentException("a xenstore page needs " + XenstoreDomainInterfaceLayout.SIZE
                    + " bytes, got " + page.byteSize());
        }
        this.requests = ByteStreamWriter.attach(page, ByteStreamLayout.XENSTORE_REQUEST);
        this.responses = ByteStreamReader.attach(page, ByteStreamLayout.XENSTORE_RESPONSE);
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.waiter = Objects.requireNonNull(waiter, "waiter");
    }

    /**
     * Attaches to a xenstore ring page.
     *
     * @param page the page (the guest's frame {@code HVM_PARAM_STORE_PFN})
     * @param notifier how to notify xenstored (the store event channel)
     * @param waiter how to sleep until xenstored notifies
     * @return the transport
     */
    public static RingTransport attach(MemoryAccess page, Notifier notifier, StoreWaiter waiter) {
        return new RingTransport(Objects.requireNonNull(page, "page"), notifier, waiter);
    }

    @Override
    public int write(byte[] source, int offset, int length, long deadlineNanos) throws IOException {
        Objects.checkFromIndexSize(offset, length, source.length);
        MemorySegment src = MemorySegment.ofArray(source);
        int done = 0;
        while (done < length) {
            checkOpen();
            int n;
            try {
                n = requests.write(src, offset + done, length - done);
            } catch (RingBrokenException e) {
                throw new IOException("xenstore request ring broken: " + e.getMessage(), e);
            }
            if (n > 0) {
                done += n;
                notifier.notifyPeer();
                continue;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                break;
            }
            waiter.await(deadlineNanos);
        }
        return done;
    }

    @Override
    public int read(byte[] destination, int offset, int length, long deadlineNanos) throws IOException {
        Objects.checkFromIndexSize(offset, length, destination.length);
        MemorySegment dst = MemorySegment.ofArray(destination);
        while (true) {
            checkOpen();
            int n;
            try {
                n = responses.read(dst, offset, length);
            } catch (RingBrokenException e) {
                throw new IOException("xenstore response ring broken: " + e.getMessage(), e);
            }
            if (n > 0) {
                notifier.notifyPeer();   // space freed: xenstored may be waiting to write more
                return n;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                return 0;
            }
            waiter.await(deadlineNanos);
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("xenstore ring transport closed");
        }
    }

    /** Stops using the page (the page itself belongs to the caller). */
    @Override
    public void close() {
        closed = true;
    }
}
