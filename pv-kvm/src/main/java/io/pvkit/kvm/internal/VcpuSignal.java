package io.pvkit.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Makes a thread that is blocked in a system call ({@code KVM_RUN} of a guest that never exits) return
 * with {@code EINTR}, the way QEMU kicks a vCPU: a real-time signal sent with {@code pthread_kill} to that
 * thread, whose handler does nothing. Installed once per process for {@link #SIGNAL}, without
 * {@code SA_RESTART}, so the interrupted call is not restarted.
 *
 * <p>The handler is libc's {@code getpid}: a function that ignores its argument, has no effect and is
 * async-signal-safe, so no code of pvkit's (and no Java upcall) runs in signal context. HotSpot does not
 * use this signal (it uses SIGUSR2 and, for NIO, SIGRTMAX-2).
 *
 * <p>A {@link Run} may only be kicked while its thread is inside the guarded region: {@link Run#close()}
 * takes the same lock as the kick, so a kick never reaches a thread that has left (or ended).
 */
public final class VcpuSignal {
    /** The kick signal: SIGRTMIN + 6 in glibc's numbering (34 + 6). */
    public static final int SIGNAL = 40;

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pv-kvm-deadline");
        t.setDaemon(true);
        return t;
    });
    private static volatile boolean installed;

    private VcpuSignal() {
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        MemorySegment act = Arena.global().allocate(SigactionLayout.LAYOUT);
        act.set(JAVA_LONG, SigactionLayout.SA_HANDLER_OFFSET, Native.libcSymbol("getpid").address());
        act.set(JAVA_INT, SigactionLayout.SA_FLAGS_OFFSET, 0);
        Native.sigaction(SIGNAL, act);
        installed = true;
    }

    /**
     * Starts a guarded region on the calling thread: until {@link Run#close()}, {@link Run#kick()} or the
     * deadline interrupts the thread's blocking system calls.
     *
     * @param deadlineNanos when to kick, in {@link System#nanoTime()} terms ({@code Long.MAX_VALUE}: never)
     * @param onKick runs (under the region's lock, on the kicking thread) just before the signal, for
     *     example to set {@code kvm_run.immediate_exit}
     * @return the region
     */
    public static Run enter(long deadlineNanos, Runnable onKick) {
        install();
        return new Run(Native.pthreadSelf(), deadlineNanos, onKick);
    }

    /** A guarded region of one thread. */
    public static final class Run implements AutoCloseable {
        private final long thread;
        private final Runnable onKick;
        private final ScheduledFuture<?> timer;
        private boolean open = true;
        private int kicks;

        private Run(long thread, long deadlineNanos, Runnable onKick) {
            this.thread = thread;
            this.onKick = onKick;
            long delay = deadlineNanos == Long.MAX_VALUE ? -1 : Math.max(0, deadlineNanos - System.nanoTime());
            this.timer = delay < 0 ? null : TIMER.schedule(this::kick, delay, TimeUnit.NANOSECONDS);
        }

        /** Interrupts the thread's current (or next) blocking system call, if the region is still open. */
        public synchronized void kick() {
            if (!open) {
                return;
            }
            kicks++;
            onKick.run();
            Native.pthreadKill(thread, SIGNAL);
        }

        /**
         * How many times the region was kicked.
         *
         * @return the count
         */
        public synchronized int kicks() {
            return kicks;
        }

        @Override
        public synchronized void close() {
            open = false;
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }
}
