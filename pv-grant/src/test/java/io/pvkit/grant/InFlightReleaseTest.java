package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SHARED mapping's view in use by NIO (the channel acquires the view's arena for the duration of the
 * native write) while another thread unmaps it or tears a domain down: the close cannot happen yet, so it
 * must be deferred, with the pin (GTF_writing) held and the handle reserved until the view is dead.
 */
class InFlightReleaseTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    /** A transfer into the pipe that blocks once the pipe is full. */
    @FunctionalInterface
    interface Transfer {
        void writeAll(Pipe.SinkChannel sink) throws IOException;
    }

    /**
     * A thread blocked in a transfer into a full pipe: {@code Pipe.sink().write(view.asByteBuffer())} for a
     * segment, or any other {@link Transfer} (a {@code GrantView.writeTo}).
     */
    static final class BlockedWriter implements AutoCloseable {
        final Pipe pipe = Pipe.open();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        BlockedWriter(MemorySegment view) throws IOException {
            this(sink -> {
                ByteBuffer b = view.asByteBuffer();
                while (b.hasRemaining()) {
                    sink.write(b);
                }
            });
        }

        BlockedWriter(Transfer transfer) throws IOException {
            pipe.sink().configureBlocking(false);
            ByteBuffer filler = ByteBuffer.allocateDirect(1 << 16);
            while (pipe.sink().write(filler.clear()) > 0) {
                // fill the pipe's kernel buffer so that the next blocking write blocks
            }
            pipe.sink().configureBlocking(true);
            thread = Thread.ofPlatform().name("blocked-writer").start(() -> {
                try {
                    transfer.writeAll(pipe.sink());
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            awaitInNativeWrite();
        }

        /** Waits until the writer is inside the native write, i.e. after NIO acquired the view's arena. */
        private void awaitInNativeWrite() {
            long end = System.nanoTime() + DEADLINE_NANOS;
            while (System.nanoTime() < end) {
                for (StackTraceElement e : thread.getStackTrace()) {
                    if (e.isNativeMethod() && e.getMethodName().startsWith("write")) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
            throw new AssertionError("the writer never blocked in a native write");
        }

        /** Drains the pipe until the writer finished. */
        void release() throws Exception {
            pipe.source().configureBlocking(false);
            ByteBuffer sink = ByteBuffer.allocateDirect(1 << 16);
            long end = System.nanoTime() + DEADLINE_NANOS;
            while (thread.isAlive() && System.nanoTime() < end) {
                pipe.source().read(sink.clear());
            }
            thread.join(1000);
            assertFalse(thread.isAlive(), "the writer finished");
            assertNull(failure.get(), "the in-flight write completed without error");
        }

        @Override
        public void close() throws IOException {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void unmapDuringInFlightIoDefersTheCloseAndKeepsThePin() throws Exception {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x5A);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertTrue(m.ok());
            MemorySegment view = m.segment();
            try (BlockedWriter io = new BlockedWriter(view)) {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()), "the unmap is accepted, no exception escapes");
                // the view cannot die yet: the pin, GTF_writing and the handle's slot stay
                assertEquals(GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref) & 0x18, "busy bits while in flight");
                assertEquals(1, f.hv.pins(1, ref).hostWrite(), "the pin is held while the view lives");
                assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref), "the granter cannot revoke yet");
                assertNull(f.hv.segmentOf(2, m.handle()), "the handle no longer names a mapping");
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, m.handle()), "a second unmap is a bad handle");
                assertEquals(0, f.hv.reap(), "nothing can be released while the write is in flight");
                assertEquals(1, f.hv.pins(1, ref).hostWrite());

                io.release();
                assertEquals(1, f.hv.reap(), "the deferred close happens once the I/O let go");
            }
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(0, f.flags(1, ref) & 0x18, "busy bits clear after the deferred close");
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "the view is dead");
            assertEquals(0, f.hv.mappingCount(2), "the handle's slot is free again");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void releaseDomainDuringInFlightIoReportsNotDoneUntilTheViewIsDead() throws Exception {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x5A);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MemorySegment view = m.segment();
            try (BlockedWriter io = new BlockedWriter(view)) {
                // the granter dies: its grant's mapping held by domain 2 must be revoked
                for (int i = 0; i < 3; i++) {
                    assertFalse(f.hv.releaseDomain(1, 16), "not done while the view is in use (call " + i + ")");
                }
                assertTrue(f.hv.hasDomain(1), "the dying domain is still registered");
                assertEquals(1, f.hv.pins(1, ref).hostWrite(), "the pin is held while the view lives");
                assertEquals(GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref) & 0x18);
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, m.handle()), "the mapper's handle is revoked");

                io.release();
                assertTrue(f.hv.releaseDomain(1, 16), "done once the I/O let go");
            }
            assertFalse(f.hv.hasDomain(1));
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "the view is dead");
            assertEquals(0, f.flags(1, ref) & 0x18, "busy bits clear");
            assertEquals(0, f.hv.mappingCount(2));
        }
    }

    @Test
    void mapperDeathDuringInFlightIoReportsNotDoneUntilTheViewIsDead() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MemorySegment view = m.segment();
            try (BlockedWriter io = new BlockedWriter(view)) {
                assertFalse(f.hv.releaseDomain(2, 16), "the mapper's teardown waits for its view");
                assertEquals(1, f.hv.pins(1, ref).hostWrite());
                io.release();
                assertTrue(f.hv.releaseDomain(2, 16));
            }
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(0, f.flags(1, ref) & 0x18);
        }
    }
}
