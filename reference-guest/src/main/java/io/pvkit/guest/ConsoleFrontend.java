package io.pvkit.guest;

import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.spi.Notifier;
import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The guest end of the PV console ({@code xencons_interface}, {@code io/console.h}): writes go to the
 * {@code out} ring, input comes from the {@code in} ring, both pv-rings byte-stream rings
 * ({@link ByteStreamLayout#CONSOLE_OUT}, {@link ByteStreamLayout#CONSOLE_IN}); the backend (domain 0's
 * console daemon) is told about new output, and about freed input space, with the {@link Notifier}
 * (the guest's {@code EVTCHNOP_send} on its console port), as Linux's {@code hvc_xen} does.
 *
 * <p>A full output ring: the frontend notifies, then calls its {@link Waiter} until space appears. If
 * no space appears within the stall timeout, the rest of that write is dropped (counted in
 * {@link #bytesDropped()}) and later writes do not wait until the ring has drained again, so a backend
 * that stops reading slows the guest down by at most one timeout. A backend that corrupts the ring
 * indices ({@code out_cons} more than the ring size behind {@code out_prod}) breaks the console only:
 * every later byte is dropped and the guest carries on (the workload does not depend on its console).
 *
 * <p>Not thread-safe: one vCPU writes and reads.
 *
 * {@snippet :
 * ConsoleFrontend console = new ConsoleFrontend(memory.frame(consoleGfn), () -> hypercalls.send(port),
 *         () -> events.pause(), Duration.ofSeconds(5).toNanos());
 * console.println("hello from the guest");
 * }
 */
public final class ConsoleFrontend {
    /**
     * How the frontend waits for the backend to drain a full output ring (or, in {@link #flush}, an
     * unfinished one). Called on the writing thread after the backend was notified; it should return
     * after an event arrived or after a short pause, and the frontend checks the ring again.
     */
    @FunctionalInterface
    public interface Waiter {
        /** Waits a little for the backend to make progress. */
        void awaitProgress();
    }

    private final ByteStreamWriter out;
    private final ByteStreamReader in;
    private final Notifier notifier;
    private final Waiter waiter;
    private final long stallTimeoutNanos;
    private final GuestStats stats;
    private long written;
    private long dropped;
    private boolean stalled;
    private RingBrokenException broken;

    /**
     * Connects to a console page.
     *
     * @param page the {@code xencons_interface} page (at least 3088 bytes, 4-aligned, writable)
     * @param notifier how to notify the backend
     * @param waiter how to wait for the backend to drain a full ring
     * @param stallTimeoutNanos how long one write waits for space before dropping the rest, positive
     */
    public ConsoleFrontend(MemorySegment page, Notifier notifier, Waiter waiter, long stallTimeoutNanos) {
        this(page, notifier, waiter, stallTimeoutNanos, null);
    }

    ConsoleFrontend(MemorySegment page, Notifier notifier, Waiter waiter, long stallTimeoutNanos, GuestStats stats) {
        Objects.requireNonNull(page, "page");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.waiter = Objects.requireNonNull(waiter, "waiter");
        if (stallTimeoutNanos <= 0) {
            throw new IllegalArgumentException("stall timeout must be positive, got " + stallTimeoutNanos);
        }
        this.stallTimeoutNanos = stallTimeoutNanos;
        this.stats = stats;
        GuestMemory shared = GuestMemory.wrap(page);
        // the writer takes out_prod and the reader in_cons as this side's indices: the guest owns them
        this.out = ByteStreamWriter.attach(shared, ByteStreamLayout.CONSOLE_OUT);
        this.in = ByteStreamReader.attach(shared, ByteStreamLayout.CONSOLE_IN);
    }

    /**
     * Writes a line: the text and a {@code '\n'}, as US-ASCII (other characters become {@code '?'}).
     *
     * @param line the text, without a line terminator
     * @return the number of bytes placed on the ring (less than the line's length when output was dropped)
     */
    public int println(String line) {
        return write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Writes bytes, waiting for space while the ring is full (up to the stall timeout).
     *
     * @param bytes the bytes
     * @return the number placed on the ring; the rest was dropped
     */
    public int write(byte[] bytes) {
        MemorySegment source = MemorySegment.ofArray(bytes);
        int done = 0;
        long deadline = 0;
        boolean waiting = false;
        while (done < bytes.length) {
            if (broken != null) {
                break;
            }
            int n;
            try {
                n = out.write(source, done, bytes.length - done);
            } catch (RingBrokenException e) {
                broken = e;
                break;
            }
            if (n > 0) {
                done += n;
                stalled = false;
                waiting = false;
                notifier.notifyPeer();
                continue;
            }
            if (stalled) {
                break;   // the backend stopped draining earlier; do not wait again until it drains
            }
            long now = System.nanoTime();
            if (!waiting) {
                waiting = true;
                deadline = now + stallTimeoutNanos;
            } else if (now - deadline >= 0) {
                stalled = true;
                break;
            }
            waiter.awaitProgress();
        }
        account(done, bytes.length - done);
        return done;
    }

    /**
     * Waits until the backend has consumed everything written (or the timeout passes, or the ring is
     * broken): used before shutting down so that the last lines reach the console log.
     *
     * @param timeoutNanos the longest wait
     * @return true when the output ring is empty
     */
    public boolean flush(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            try {
                if (broken == null && out.space() == ByteStreamLayout.CONSOLE_OUT.size()) {
                    return true;
                }
            } catch (RingBrokenException e) {
                broken = e;
            }
            if (broken != null || System.nanoTime() - deadline >= 0) {
                return false;
            }
            waiter.awaitProgress();
        }
    }

    /**
     * Reads console input the backend has written, without waiting, and notifies the backend when
     * space was freed.
     *
     * @param destination where to copy
     * @param offset the first index written
     * @param length the most bytes wanted
     * @return the number of bytes read (0 when there is none or the ring is broken)
     */
    public int read(byte[] destination, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, destination.length);
        int n;
        try {
            n = in.read(MemorySegment.ofArray(destination), offset, length);
        } catch (RingBrokenException e) {
            return 0;   // a corrupt input ring only loses input; output has its own ring
        }
        if (n > 0) {
            notifier.notifyPeer();
        }
        return n;
    }

    /**
     * Bytes placed on the output ring since connecting.
     *
     * @return the count
     */
    public long bytesWritten() {
        return written;
    }

    /**
     * Bytes dropped (stalled or broken ring) since connecting.
     *
     * @return the count
     */
    public long bytesDropped() {
        return dropped;
    }

    /**
     * Why the output ring is unusable.
     *
     * @return the failure, or null while the ring works
     */
    public RingBrokenException brokenBy() {
        return broken;
    }

    private void account(int done, int lost) {
        written += done;
        dropped += lost;
        if (stats != null) {
            stats.consoleWritten(done);
            stats.consoleDropped(lost);
        }
    }
}
