package io.pvkit.kvm.internal;

import io.pvkit.kvm.KvmException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The libc downcalls for real: errno capture, ioctl on a device that is not KVM, the vCPU kick signal. */
class NativeTest {
    @Test
    void shouldNameTheErrnoOfAFailedOpen() {
        KvmException e = assertThrows(KvmException.class, () -> Native.open("/nonexistent/kvm"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("open /nonexistent/kvm failed: ENOENT"), e.getMessage());
    }

    @Test
    void shouldReturnEnottyForAKvmIoctlOnDevNull() {
        int fd = Native.open("/dev/null");
        try {
            assertEquals(-25, Native.ioctlRaw(fd, KvmAbi.KVM_GET_API_VERSION, 0L));
            KvmException e = assertThrows(KvmException.class,
                    () -> Native.ioctl(fd, KvmAbi.KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", 3L));
            assertTrue(e.getMessage().contains("ioctl KVM_CHECK_EXTENSION failed: ENOTTY"), e.getMessage());
        } finally {
            Native.close(fd);
        }
    }

    @Test
    @SuppressWarnings("restricted")
    void shouldInterruptABlockedSystemCallAtTheDeadline() throws Exception {
        Linker linker = Linker.nativeLinker();
        MemorySegment pause = linker.defaultLookup().find("pause").orElseThrow();
        MethodHandle pauseHandle = linker.downcallHandle(pause, FunctionDescriptor.of(JAVA_INT));
        boolean[] onKickRan = new boolean[1];
        CompletableFuture<long[]> result = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            VcpuSignal.Run run = VcpuSignal.enter(start + TimeUnit.MILLISECONDS.toNanos(200), () -> onKickRan[0] = true);
            try {
                int r = (int) pauseHandle.invokeExact();   // blocks until a signal handler runs
                return new long[] {r, System.nanoTime() - start, run.kicks()};
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                run.close();
            }
        });
        long[] out = result.get(20, TimeUnit.SECONDS);
        assertEquals(-1, out[0], "pause() returns -1 (EINTR) after the kick");
        assertTrue(out[1] >= TimeUnit.MILLISECONDS.toNanos(150), "kicked no earlier than the deadline: " + out[1]);
        assertEquals(1, out[2]);
        assertTrue(onKickRan[0]);
    }

    @Test
    void shouldNotKickAClosedRegion() {
        VcpuSignal.Run run = VcpuSignal.enter(Long.MAX_VALUE, () -> {
            throw new AssertionError("kicked after close");
        });
        run.close();
        run.kick();
        assertEquals(0, run.kicks());
    }
}
