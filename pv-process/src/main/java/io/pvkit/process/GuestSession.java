package io.pvkit.process;

import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.process.internal.Native;
import io.pvkit.process.internal.SysConstants;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The hypervisor's side of one guest process: its {@link Admission}, the mailbox page, one
 * {@link MailboxServer} thread per vCPU, and a monitor thread that notices when the process goes away.
 *
 * <p>Death detection: the monitor thread {@code poll}s two descriptors: the session socket, and a pidfd
 * ({@code pidfd_open}, Linux 5.3) of the process that connected ({@code SO_PEERCRED}). The guest never sends
 * anything after its hello, so the socket becomes readable only at end of stream, which the kernel delivers
 * as soon as the last descriptor of the socket is closed; the pidfd becomes readable when the process that
 * joined exits, even if a child it forked still holds the socket. Either ends the session, including when the
 * process is killed ({@code kill -9}) in any state: blocked in a hypercall, spinning, or between calls. Measured bound: see the
 * README (SessionDeathTest prints min/median/max over 10 kills). Then: set {@code GONE_GUEST} in every
 * mailbox, stop the servers, call {@link GuestHost#guestGone}, wait up to one second for the server threads,
 * then close the mailbox page, the guest memory (the session owns it from admission on; it stays mapped if a
 * server thread is still stuck in the handler) and the socket. Without {@code pidfd_open} (a kernel older
 * than 5.3, or {@code SO_PEERCRED} unavailable) only the socket is watched, and a guest that hands its socket
 * to another process (fork) delays detection until that process exits too (README, "Assumptions").
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class GuestSession implements AutoCloseable {
    private final Admission admission;
    private final UnixSocket socket;
    private final SealedGuestMemory mailbox;
    private final MailboxServer[] servers;
    private final Thread[] threads;
    private final GuestHost host;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CountDownLatch endedLatch = new CountDownLatch(1);
    private volatile boolean closedByHost;
    private volatile String endReason;
    private volatile long endedAtNanos;
    private Thread monitor;

    GuestSession(Admission admission, UnixSocket socket, SealedGuestMemory mailbox, GuestHost host,
                 Supplier<IdleStrategy> idle) {
        this.admission = admission;
        this.socket = socket;
        this.mailbox = mailbox;
        this.host = host;
        int vcpus = admission.vcpus();
        this.servers = new MailboxServer[vcpus];
        this.threads = new Thread[vcpus];
        for (int v = 0; v < vcpus; v++) {
            HypercallContext ctx = HypercallContext.of(admission.domid(), v, admission.privileged(),
                    admission.memory().memory());
            servers[v] = new MailboxServer(mailbox.memory(), admission.handler(), ctx, idle.get());
        }
    }

    void start() {
        for (int v = 0; v < servers.length; v++) {
            threads[v] = Thread.ofPlatform().daemon().name("pvkit-mailbox-d" + admission.domid() + "v" + v)
                    .start(servers[v]);
        }
        monitor = Thread.ofPlatform().daemon().name("pvkit-session-d" + admission.domid()).start(this::monitor);
    }

    /** Ends a session that never started (the welcome could not be sent): the host is told, as for a death. */
    void abandon(String reason) {
        end(reason);
        socket.close();
    }

    private void monitor() {
        String reason;
        int pid = -1;
        int pidfd = -1;
        try {
            pid = socket.peerPid();
            pidfd = Native.pidfdOpen(pid);
        } catch (RuntimeException e) {
            // no SO_PEERCRED: watch the socket only
        }
        if (pidfd == -SysConstants.ESRCH) {
            end("guest process " + pid + " exited before its session started");
            socket.close();
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            reason = watch(arena, pid, pidfd);
        } catch (RuntimeException e) {
            reason = "session socket failed: " + e.getMessage();
        } finally {
            if (pidfd >= 0) {
                UnixSocket.closeDescriptor(pidfd);
            }
        }
        end(reason);
        socket.close();
    }

    /**
     * Polls the session socket and, when there is one, a pidfd of the process that connected, until the
     * socket reaches end of stream or the process exits: a child the guest forked may keep the socket open,
     * but not the process that joined alive.
     */
    private String watch(Arena arena, int pid, int pidfd) {
        MemorySegment fds = arena.allocate(PollfdLayout.LAYOUT, 2);
        fds.set(ValueLayout.JAVA_INT, PollfdLayout.FD_OFFSET, socket.fd());
        fds.set(ValueLayout.JAVA_SHORT, PollfdLayout.EVENTS_OFFSET, SysConstants.POLLIN);
        // a negative fd is ignored by poll: without a pidfd only the socket is watched
        fds.set(ValueLayout.JAVA_INT, PollfdLayout.SIZE + PollfdLayout.FD_OFFSET, pidfd);
        fds.set(ValueLayout.JAVA_SHORT, PollfdLayout.SIZE + PollfdLayout.EVENTS_OFFSET, SysConstants.POLLIN);
        byte[] sink = new byte[64];
        while (true) {
            int r = Native.poll(fds, 2, -1);
            if (r == -SysConstants.EINTR) {
                continue;
            }
            if (r < 0) {
                throw new NativeException("poll", -r);
            }
            if (pidfd >= 0 && fds.get(ValueLayout.JAVA_SHORT, PollfdLayout.SIZE + PollfdLayout.REVENTS_OFFSET) != 0) {
                return "guest process " + pid + " exited";
            }
            if (fds.get(ValueLayout.JAVA_SHORT, PollfdLayout.REVENTS_OFFSET) != 0) {
                UnixSocket.Received got = socket.receive(sink, 0);
                if (got.endOfStream()) {
                    return "session socket closed (guest process exited or was killed)";
                }
                // UNTRUSTED: the guest sends nothing after its hello; bytes are discarded (bounded buffer)
            }
        }
    }

    private void end(String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        endedAtNanos = System.nanoTime();
        endReason = reason;
        try {
            for (MailboxServer s : servers) {
                s.stop();
                try {
                    // ORDERING: volatile read-modify-write; pairs with the guest's volatile reads of gone
                    mailbox.memory().getAndBitwiseOrInt(MailboxLayout.mailboxOffset(s.caller().vcpu())
                            + MailboxLayout.GONE_OFFSET, closedByHost ? MailboxLayout.GONE_HYPERVISOR : MailboxLayout.GONE_GUEST);
                } catch (IllegalStateException closed) {
                    // page already closed
                }
            }
            if (!closedByHost) {
                try {
                    host.guestGone(this, reason);
                } catch (RuntimeException e) {
                    // the host's teardown failed; the session still ends
                }
            }
            for (Thread t : threads) {
                if (t != null && t != Thread.currentThread()) {
                    t.join(1000);
                }
            }
            boolean allStopped = true;
            for (Thread t : threads) {
                allStopped &= t == null || !t.isAlive();
            }
            if (allStopped) {
                // no server thread can touch either memory any more; another thread of the host that still
                // uses the guest memory (a leftover mapping) gets IllegalStateException from then on
                closeQuietly(mailbox);
                closeQuietly(admission.memory());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            socket.shutdown();
            endedLatch.countDown();
        }
    }

    private static void closeQuietly(SealedGuestMemory memory) {
        try {
            memory.close();
        } catch (IllegalStateException busy) {
            // the arena is in use by a native call of another thread: it stays mapped (a leak, not a fault)
        }
    }

    /**
     * The domain this session serves.
     *
     * @return the admission the host returned
     */
    public Admission admission() {
        return admission;
    }

    /**
     * The domain id.
     *
     * @return the id
     */
    public int domid() {
        return admission.domid();
    }

    /**
     * The guest's memory (owned by this session: unmapped when the session ends).
     *
     * @return the memory
     */
    public GuestMemory memory() {
        return admission.memory().memory();
    }

    /**
     * Raises an upcall for {@code vcpu} ({@code upcall_pending = 1} in its mailbox). Shaped as pv-events'
     * {@code VcpuKicker.kick(int)}: pass {@code session::kick}. Ignored after the session ended.
     *
     * @param vcpu the vCPU index
     */
    public void kick(int vcpu) {
        if (vcpu >= 0 && vcpu < servers.length && !ended.get()) {
            try {
                servers[vcpu].raiseUpcall();
            } catch (IllegalStateException closed) {
                // the session ended between the check and the store
            }
        }
    }

    /**
     * The server of one vCPU (for its counters).
     *
     * @param vcpu the vCPU index
     * @return the server
     */
    public MailboxServer server(int vcpu) {
        return servers[vcpu];
    }

    /**
     * The thread serving {@code vcpu}'s mailbox: the thread on which the handler runs for that vCPU, so the
     * one a hypervisor unparks to wake the vCPU from {@code SCHEDOP_block}.
     *
     * @param vcpu the vCPU index
     * @return the thread, or null before the session started serving (during {@link GuestHost#sessionStarted})
     */
    public Thread vcpuThread(int vcpu) {
        return threads[vcpu];
    }

    /**
     * Hypercalls answered on all vCPUs.
     *
     * @return the sum of {@link MailboxServer#served()}
     */
    public long served() {
        long n = 0;
        for (MailboxServer s : servers) {
            n += s.served();
        }
        return n;
    }

    /**
     * Whether the session ended (guest gone or closed by the hypervisor).
     *
     * @return true once ended
     */
    public boolean ended() {
        return ended.get();
    }

    /**
     * Why the session ended.
     *
     * @return the reason, or null while it runs
     */
    public String endReason() {
        return endReason;
    }

    /**
     * When the session noticed its end ({@link System#nanoTime()}).
     *
     * @return the time, or 0 while it runs
     */
    public long endedAtNanos() {
        return endedAtNanos;
    }

    /**
     * Waits until the session has ended and released its threads and mailbox page.
     *
     * @param timeout the longest wait
     * @return true when it ended in time
     * @throws InterruptedException when interrupted
     */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return endedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Ends the session from the hypervisor's side: marks {@code GONE_HYPERVISOR} (a guest waiting in a
     * hypercall gets {@code -ENODEV}), stops the servers and closes the socket (the guest sees end of stream).
     * {@link GuestHost#guestGone} is not called. Unmaps the guest memory once the servers stopped.
     */
    @Override
    public void close() {
        closedByHost = true;
        end("closed by the hypervisor");
        Thread m = monitor;
        if (m != null && m != Thread.currentThread()) {
            try {
                m.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (m == null || !m.isAlive()) {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "GuestSession[domid " + domid() + ", " + servers.length + " vCPUs" + (ended() ? ", ended" : "") + "]";
    }
}
