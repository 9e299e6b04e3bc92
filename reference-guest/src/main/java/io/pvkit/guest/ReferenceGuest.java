package io.pvkit.guest;

import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.guest.block.BlockWorkload;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reference PV guest: a {@link GuestEntryPoint} that any hypervisor implementing pv-abi's
 * {@link io.pvkit.abi.spi.HypercallHandler} can start. On vCPU 0 it boots the way a Linux PVH guest
 * does ({@link StartInfo}, HVM params, {@code shared_info}, grant table, upcall, console), runs the
 * {@link Workload} of its {@link GuestOptions} (then, when the guest has a PV disk ({@code device/vbd}) and
 * {@code pvkit.blk} is not {@code off}, the {@link BlockWorkload}'s write+verify passes), and shuts down with a
 * reason:
 * <ul>
 *   <li>{@code SHUTDOWN_poweroff} when the workload finished ({@link GuestState#DONE});</li>
 *   <li>{@code SHUTDOWN_crash} when boot or the workload failed ({@link GuestState#FAILED}), after
 *       writing {@code "crash: <cause>"} on its console ring, or through {@code CONSOLEIO_write}
 *       when the ring is not connected yet;</li>
 *   <li>no shutdown when the hypervisor has already halted the domain (a hypercall returned
 *       {@code -ESRCH}): the state becomes {@link GuestState#FAILED} and {@code enter} returns.</li>
 * </ul>
 * and then returns from {@link #enter(VcpuStart)}. It does not throw for a guest-level failure: the
 * cause is in {@link GuestStats#failure()} and on the console.
 *
 * <p>Memory use: frame 0 (from byte 64) is the hypercall scratch area; the rest of
 * {@code [0, nr_pages)} is free for the workload. The guest is uniprocessor: an entry on any vCPU
 * other than 0 returns at once. One instance boots one domain once; create one per domain.
 *
 * {@snippet :
 * ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(1000).build());
 * // hand `guest` to a hypervisor as the domain's entry point, e.g.
 * // hypervisor.createDomain(new DomainConfig("guest1", 256, 1, false, guest, "", new MemoryBacking.Arena()));
 * GuestStats stats = guest.stats();   // poll from any thread: state, pings, pongs, console bytes
 * }
 */
public final class ReferenceGuest implements GuestEntryPoint {
    /** Where the hypercall scratch area starts: frame 0 at a non-zero, 8-aligned offset (never a NULL pointer). */
    static final long SCRATCH_GPA = 64;
    /** How long the last console lines may take to drain before shutdown. */
    private static final Duration FINAL_FLUSH = Duration.ofSeconds(2);

    private final GuestOptions options;
    private final GuestStats stats = new GuestStats();
    private final AtomicBoolean entered = new AtomicBoolean();

    private ReferenceGuest(GuestOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * A reference guest that will run with {@code options}.
     *
     * @param options the workload, limits and console verbosity
     * @return the guest, to hand to a hypervisor as a domain's entry point
     */
    public static ReferenceGuest entryPoint(GuestOptions options) {
        return new ReferenceGuest(options);
    }

    /**
     * The guest's live counters (readable from any thread at any time, also before it starts).
     *
     * @return the stats
     */
    public GuestStats stats() {
        return stats;
    }

    /**
     * The options the guest runs with.
     *
     * @return the options
     */
    public GuestOptions options() {
        return options;
    }

    /**
     * Boots the guest on vCPU 0, runs its workload and shuts it down; returns at once on other vCPUs.
     *
     * @param start what the vCPU starts with
     * @throws IllegalStateException when this instance was already entered on vCPU 0
     */
    @Override
    public void enter(VcpuStart start) {
        Objects.requireNonNull(start, "start");
        if (start.self().vcpu() != 0) {
            return;
        }
        if (!entered.compareAndSet(false, true)) {
            throw new IllegalStateException("a ReferenceGuest boots one domain once; create one per domain");
        }
        GuestHypercalls hc = new GuestHypercalls(start.hypervisor(), start.self(), SCRATCH_GPA,
                GuestMemory.PAGE_SIZE - SCRATCH_GPA);
        BootSequence boot = new BootSequence(start, hc, options, stats);
        try {
            GuestEnvironment env = boot.run();
            stats.state(GuestState.RUNNING);
            env.workloadStarting();
            options.workload().run(env);
            if (!(options.workload() instanceof BlockWorkload) && BlockWorkload.wanted(env)) {
                // a disk: its write+verify passes after the echo; the duration limit counts from here again
                env.workloadStarting();
                new BlockWorkload().run(env);
            }
            closeXenbus(env);
            env.log(ConsoleVerbosity.NORMAL, "shutdown: poweroff");
            env.console().flush(FINAL_FLUSH.toNanos());
            stats.state(GuestState.DONE);
            hc.shutdown(ShutdownReason.POWEROFF);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (halted(e)) {
                stats.failed(e);   // the hypervisor stopped us: nothing more to say or do
                return;
            }
            crash(boot, hc, e);
        } catch (Error e) {
            stats.failed(e);
            throw e;
        }
    }

    /** The echo device goes Closing -> Closed (the backend follows) before the domain powers off. */
    private void closeXenbus(GuestEnvironment env) {
        GuestXenbus xenbus = env.xenbus();
        if (xenbus == null || xenbus.echo() == null) {
            return;
        }
        boolean both = xenbus.disconnectEcho(options.connectTimeout());
        env.log(ConsoleVerbosity.VERBOSE, "shutdown: xenbus: " + xenbus.echoPath() + " closed"
                + (both ? ", backend closed" : ", backend did not close within " + options.connectTimeout()));
    }

    private void crash(BootSequence boot, GuestHypercalls hc, Exception cause) {
        String line = "crash: " + describe(cause);
        try {
            ConsoleFrontend console = boot.console();
            if (console != null && console.brokenBy() == null) {
                console.println(line);
                console.flush(FINAL_FLUSH.toNanos());
            } else {
                hc.consoleWrite((line + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        } catch (RuntimeException printing) {
            cause.addSuppressed(printing);   // the console is gone too; the shutdown reason still says crash
        }
        stats.failed(cause);
        hc.shutdown(ShutdownReason.CRASH);
    }

    private static boolean halted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HypercallException h && h.domainHalted()) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        if (!(e instanceof BootException)) {
            sb.append(e.getClass().getSimpleName()).append(": ");
        }
        sb.append(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && !(cause instanceof HypercallException) && cause.getMessage() != null) {
            sb.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ReferenceGuest[" + options + ", " + stats + "]";
    }
}
