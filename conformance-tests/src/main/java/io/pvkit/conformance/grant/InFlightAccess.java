package io.pvkit.conformance.grant;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A channel transfer through a {@link MappedFrame} that is in flight, made deterministic as {@link InFlightWrite}
 * does for a segment: a thread (the one that mapped, so that an access confined to its thread works too) blocked in
 * the native write of {@link MappedFrame#writeTo} on a pipe whose kernel buffer is full, or in the native read of
 * {@link MappedFrame#readFrom} on an empty pipe, until {@link #finish} drains the pipe or feeds it.
 */
final class InFlightAccess implements AutoCloseable {
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    /** Which transfer is in flight. */
    enum Kind {
        /** {@link MappedFrame#writeTo}: bytes of the frame to a full pipe. */
        WRITE_TO_CHANNEL("write"),
        /** {@link MappedFrame#readFrom}: bytes of an empty pipe into the frame. */
        READ_FROM_CHANNEL("read");

        private final String nativePrefix;

        Kind(String nativePrefix) {
            this.nativePrefix = nativePrefix;
        }
    }

    private final Kind kind;
    private final Pipe pipe;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicInteger transferred = new AtomicInteger(Integer.MIN_VALUE);
    private final Thread thread;
    private volatile MappedFrame frame;

    private InFlightAccess(Kind kind, long offset, int length, Callable<MappedFrame> source) throws Exception {
        this.kind = kind;
        pipe = Pipe.open();
        if (kind == Kind.WRITE_TO_CHANNEL) {
            pipe.sink().configureBlocking(false);
            ByteBuffer filler = ByteBuffer.allocateDirect(1 << 16);
            while (pipe.sink().write(filler.clear()) > 0) {
                // fill the kernel buffer so that the next blocking write blocks
            }
            pipe.sink().configureBlocking(true);
        }
        CountDownLatch obtained = new CountDownLatch(1);
        thread = Thread.ofPlatform().daemon().name("pvkit-kit-in-flight-" + kind.nativePrefix).start(() -> {
            try {
                MappedFrame f = source.call();
                this.frame = f;
                obtained.countDown();
                if (f == null) {
                    return;
                }
                transferred.set(kind == Kind.WRITE_TO_CHANNEL ? f.writeTo(pipe.sink(), offset, length)
                        : f.readFrom(pipe.source(), offset, length));
            } catch (Throwable t) {
                failure.set(t);
                obtained.countDown();
            }
        });
        if (!obtained.await(DEADLINE_NANOS, TimeUnit.NANOSECONDS)) {
            throw new AssertionError("the I/O thread never obtained the mapped frame");
        }
        if (failure.get() != null) {
            throw new AssertionError("obtaining the mapped frame on the I/O thread failed", failure.get());
        }
        if (frame == null) {
            return;
        }
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!inNativeTransfer()) {
            if (System.nanoTime() > end || !thread.isAlive()) {
                throw new AssertionError("the I/O thread never blocked in a native " + kind.nativePrefix
                        + " through the mapped frame", failure.get());
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Starts a thread that obtains a mapped frame (mapping on that thread) and makes one channel transfer through it;
     * returns once the transfer is blocked inside the native call.
     *
     * @param kind the transfer
     * @param offset the first byte in the frame
     * @param length the most bytes to transfer
     * @param source runs on the I/O thread and returns the frame, or null to skip the I/O
     * @return the access in flight; {@link #frame()} is null when the source returned none
     * @throws Exception when the pipe cannot be opened or the wait is interrupted
     */
    static InFlightAccess start(Kind kind, long offset, int length, Callable<MappedFrame> source) throws Exception {
        return new InFlightAccess(kind, offset, length, source);
    }

    /** @return the frame the transfer runs through, or null when the source returned none */
    MappedFrame frame() {
        return frame;
    }

    private boolean inNativeTransfer() {
        for (StackTraceElement e : thread.getStackTrace()) {
            if (e.isNativeMethod() && e.getMethodName().startsWith(kind.nativePrefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lets the transfer complete (drains the full pipe, or writes {@code data} into the empty one), waits for it and
     * checks that it completed without error.
     *
     * @param data what a read from the pipe gets (ignored for a write)
     * @return what the transfer returned (bytes moved)
     * @throws IOException from the pipe
     * @throws InterruptedException when interrupted
     */
    int finish(byte[] data) throws IOException, InterruptedException {
        long end = System.nanoTime() + DEADLINE_NANOS;
        if (kind == Kind.WRITE_TO_CHANNEL) {
            pipe.source().configureBlocking(false);
            ByteBuffer sink = ByteBuffer.allocateDirect(1 << 16);
            while (thread.isAlive() && System.nanoTime() < end) {
                pipe.source().read(sink.clear());
            }
        } else {
            ByteBuffer src = ByteBuffer.wrap(data);
            while (src.hasRemaining()) {
                pipe.sink().write(src);
            }
        }
        thread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        assertFalse(thread.isAlive(), "the in-flight " + kind.nativePrefix + " through the mapped frame never completed");
        if (failure.get() != null) {
            throw new AssertionError("the in-flight " + kind.nativePrefix + " through the mapped frame failed: the "
                    + "mapping died under the I/O", failure.get());
        }
        return transferred.get();
    }

    @Override
    public void close() throws IOException {
        pipe.sink().close();
        pipe.source().close();
    }
}
