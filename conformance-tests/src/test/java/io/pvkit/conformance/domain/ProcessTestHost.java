package io.pvkit.conformance.domain;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.process.Admission;
import io.pvkit.process.GuestHost;
import io.pvkit.process.GuestListener;
import io.pvkit.process.GuestRequest;
import io.pvkit.process.GuestSession;
import io.pvkit.process.SealedGuestMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The DOM-03/DOM-04 self-tests' host: pv-process's {@link GuestListener} with a tiny hypervisor behind it
 * ({@code xen_version} answers 0x0004000e; {@code SCHEDOP_block} parks until the domain dies). Correct unless a
 * {@link Flaw} says otherwise.
 */
final class ProcessTestHost implements GuestProcessHostUnderTest, GuestHost {
    /** A deliberate mistake in handling a guest's death. */
    enum Flaw {
        /** guestGone() does nothing: the domain of a dead guest lives on. */
        IGNORES_DEATH,
        /** guestGone() destroys the domain but does not wake a handler blocked for it: its server thread hangs. */
        BLOCK_NEVER_WAKES
    }

    private final Set<Flaw> flaws;
    private final Path dir;
    private final GuestListener listener;
    private final AtomicInteger nextDomid = new AtomicInteger(1);
    private final Set<Integer> live = ConcurrentHashMap.newKeySet();
    private final Map<Integer, GuestSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean closing;

    ProcessTestHost(Set<Flaw> flaws) throws IOException {
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        this.dir = Files.createTempDirectory("kit-dom");
        this.listener = GuestListener.open(dir.resolve("guests"), this);
    }

    // ------------------------------------------------------------------ GuestHost

    @Override
    public Admission admit(GuestRequest request) {
        int domid = nextDomid.getAndIncrement();
        SealedGuestMemory memory = SealedGuestMemory.create("kit-dom" + domid, request.frames());
        live.add(domid);
        return new Admission(domid, false, memory, 1, 0, this::hypercall);
    }

    @Override
    public void sessionStarted(GuestSession session) {
        sessions.put(session.domid(), session);
    }

    @Override
    public void guestGone(GuestSession session, String reason) {
        if (!flaws.contains(Flaw.IGNORES_DEATH)) {
            live.remove(session.domid());
        }
    }

    private long hypercall(HypercallContext ctx, long op, long a1, long a2, long a3, long a4, long a5) {
        if (op == HypercallOp.XEN_VERSION.number()) {
            return 0x0004000eL;
        }
        if (op == HypercallOp.SCHED_OP.number() && a1 == SchedOp.BLOCK.code()) {
            while (!closing && (flaws.contains(Flaw.BLOCK_NEVER_WAKES) || live.contains(ctx.domid()))) {
                LockSupport.parkNanos(10_000_000L);
            }
            return 0;
        }
        return XenErrno.ENOSYS.negated();
    }

    // ------------------------------------------------------------------ GuestProcessHostUnderTest

    @Override
    public Path guestSocket() {
        return dir.resolve("guests");
    }

    @Override
    public Duration guestDeathBound() {
        return Duration.ofSeconds(1);
    }

    @Override
    public boolean domainExists(int domid) {
        return live.contains(domid);
    }

    @Override
    public boolean sessionReleased(int domid) {
        GuestSession s = sessions.get(domid);
        return s == null || s.ended() && !s.vcpuThread(0).isAlive();
    }

    @Override
    public void close() {
        closing = true;
        listener.close();
        for (GuestSession s : sessions.values()) {
            s.close();
        }
        try {
            Files.deleteIfExists(dir.resolve("guests"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
