package io.pvkit.conformance.grant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * In-flight I/O on a mapping's view, made deterministic: a thread (the one that mapped, so that a view
 * confined to its thread works too) blocked in {@code Pipe.sink().write(view.asByteBuffer())} on a pipe
 * whose kernel buffer is full. NIO holds the view's
 * memory session acquired for the whole native write, so the view can neither be closed nor be allowed to
 * point at a page the granter reuses until {@link #finish()} drains the pipe.
 */
final class InFlightWrite implements AutoCloseable {
    private static final long DEADLINE_NANOS = 20_000_000_000L;
    private final Pipe pipe;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread writer;
    private volatile MemorySegment view;

    private InFlightWrite(Callable<MemorySegment> source) throws Exception {
        pipe = Pipe.open();
        pipe.sink().configureBlocking(false);
        ByteBuffer filler = ByteBuffer.allocateDirect(1 << 16);
        while (pipe.sink().write(filler.clear()) > 0) {
            // fill the kernel buffer so that the next blocking write blocks
        }
        pipe.sink().configureBlocking(true);
        CountDownLatch obtained = new CountDownLatch(1);
        writer = Thread.ofPlatform().daemon().name("pvkit-kit-in-flight-write").start(() -> {
            try {
                MemorySegment view = source.call();
                this.view = view;
                obtained.countDown();
                if (view == null) {
                    return;
                }
                ByteBuffer b = view.asByteBuffer();
                while (b.hasRemaining()) {
                    pipe.sink().write(b);
                }
            } catch (Throwable t) {
                failure.set(t);
                obtained.countDown();
            }
        });
        if (!obtained.await(DEADLINE_NANOS, TimeUnit.NANOSECONDS)) {
            throw new AssertionError("the I/O thread never obtained the view");
        }
        if (failure.get() != null) {
            throw new AssertionError("obtaining the view on the I/O thread failed", failure.get());
        }
        if (view == null) {
            return;
        }
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!inNativeWrite()) {
            if (System.nanoTime() > end || !writer.isAlive()) {
                throw new AssertionError("the I/O thread never blocked in a native write on the view", failure.get());
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Starts a thread that obtains a view (mapping it on that thread, so that a view confined to its mapping
     * thread is usable by the I/O) and writes all of it; returns once the write is blocked inside the native
     * write. The thread ends when the write completes.
     *
     * @param source runs on the I/O thread and returns the view to write, or null to skip the I/O
     * @return the in-flight write; {@link #view()} is null when the source returned null
     * @throws Exception when the pipe cannot be opened or the wait is interrupted
     */
    static InFlightWrite start(Callable<MemorySegment> source) throws Exception {
        return new InFlightWrite(source);
    }

    /** @return the view being written, or null when the source returned none */
    MemorySegment view() {
        return view;
    }

    private boolean inNativeWrite() {
        for (StackTraceElement e : writer.getStackTrace()) {
            if (e.isNativeMethod() && e.getMethodName().startsWith("write")) {
                return true;
            }
        }
        return false;
    }

    /** Drains the pipe until the write completed, and checks that it completed without error. */
    void finish() throws IOException, InterruptedException {
        if (view == null) {
            return;
        }
        pipe.source().configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocateDirect(1 << 16);
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (writer.isAlive() && System.nanoTime() < end) {
            pipe.source().read(sink.clear());
        }
        writer.join(1000);
        assertFalse(writer.isAlive(), "the in-flight write never completed");
        assertNull(failure.get(), "the in-flight write failed: the view died under the I/O");
    }

    @Override
    public void close() throws IOException {
        pipe.sink().close();
        pipe.source().close();
    }
}
