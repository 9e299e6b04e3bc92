package io.pvkit.hypervisor.fault;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainState;
import io.pvkit.hypervisor.FaultAccess;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.hypervisor.ResourceCounts;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import io.pvkit.hypervisor.internal.LibraryDomains;
import io.pvkit.events.ChannelStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fuzzing guest ({@link HostileFuzzer}) issues {@code pvkit.fuzz.hypercalls} (default 1,000,000) random and
 * adversarial hypercalls on the full system (domain 0 with xenstored, console, echo and blkback) while a
 * guest doing verified block I/O and a guest doing echo and xenstore work run beside it. Then:
 * no exception escaped a hypercall (the fuzzer's own catch, and every domain's fault counter), no hypercall
 * ran longer than the watchdog allows, no call aimed at another domain succeeded, the other domains' quiet
 * memory, ports, grant pins and maptracks and xenstore nodes are as they were before the run, and their
 * workloads completed with every result verified (the block guest's disk file byte for byte).
 *
 * <p>Replay: {@code -Dpvkit.fuzz.seed=<seed printed at the start>}; a longer run:
 * {@code -Dpvkit.fuzz.hypercalls=N}.
 */
class HypercallFuzzTest {
    static final long SEED = Long.getLong("pvkit.fuzz.seed", System.nanoTime());
    static final long CALLS = Long.getLong("pvkit.fuzz.hypercalls", 1_000_000L);
    /** The longest one hypercall may take before the watchdog calls it stuck. */
    static final long WATCHDOG_NANOS = Duration.ofSeconds(10).toNanos();
    /** When the mid-run destroy happens. */
    static final Duration MID_RUN = Duration.ofSeconds(3);
    /** The bound on the whole run: generous for 2 shared cores, and it grows with a longer run. */
    static final Duration RUN_LIMIT = Duration.ofSeconds(240 + CALLS / 10_000);

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicLong hostileLines = new AtomicLong();
    private Hypervisor hv;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    private void sink(String line) {
        if (line.startsWith("hostile| ")) {
            hostileLines.incrementAndGet();
        } else {
            lines.add(line);
        }
    }

    @Test
    void shouldKeepOtherDomainsIntactUnderAMillionHostileHypercalls() throws Exception {
        run(false);
    }

    /** The same hostile guest destroyed in the middle of its run (both vCPUs in hypercalls, mappings held). */
    @Test
    void shouldKeepOtherDomainsIntactWhenTheHostileGuestIsDestroyedMidRun() throws Exception {
        run(true);
    }

    private void run(boolean destroyMidRun) throws Exception {
        String replay = "seed " + SEED + " (replay: -Dpvkit.fuzz.seed=" + SEED + " -Dpvkit.fuzz.hypercalls=" + CALLS + ")";
        System.out.println("[fuzz] " + replay);
        hv = Hypervisor.start(new HypervisorConfig(null, this::sink));
        ResourceCounts before = hv.counts();
        Victims.EchoXenstore echo = new Victims.EchoXenstore(SEED ^ 0xEC40, 50);
        Victims.BlockWriter block = new Victims.BlockWriter(SEED ^ 0xB10C, 40, 64);
        echo.pauseNanos = 500_000;
        block.pauseNanos = 2_000_000;
        Path blockDisk = FaultRig.disk(dir, "victim", 1);
        Domain echoDom = FaultRig.guest(hv, "echo", 64, echo, null);
        Domain blockDom = FaultRig.guest(hv, "block", 64, block, blockDisk);
        int[] others = {0, echoDom.domid(), blockDom.domid()};
        LibraryDomains lib = FaultAccess.library(hv);
        HostileFuzzer fuzzer = new HostileFuzzer(SEED, destroyMidRun ? Long.MAX_VALUE : CALLS, others, hv::systemTimeNanos, (dom, port, remote) -> {
            ChannelStatus s = lib.events().inspect(dom, port);
            return s.ok() && s.state() == EvtchnStatus.UNBOUND && s.remoteDom() == remote;
        });
        Domain hostile = hv.createDomain(new DomainConfig("hostile", HostileFuzzer.FRAMES, 2, false, fuzzer, "",
                new MemoryBacking.Arena()).withDisks(List.of(DiskConfig.writable(FaultRig.disk(dir, "hostile", 1)))));
        List<Domain> all = List.of(hv.domain(0).orElseThrow(), echoDom, blockDom, hostile);
        FaultRig.await(echo.ready, "echo guest ready", echoDom);
        FaultRig.await(block.ready, "block guest ready", blockDom);
        FaultRig.await(fuzzer.ready, "hostile guest connected", hostile);

        List<IsolationSnapshot.Target> targets = List.of(
                new IsolationSnapshot.Target(all.get(0), FaultRig.dom0QuietFrames(hv), List.of(), List.of()),
                new IsolationSnapshot.Target(echoDom, IsolationSnapshot.quietFrames(echoDom, echo.workFrames),
                        List.of("/local/domain/" + echoDom.domid(), "/local/domain/0/backend/pvkit-echo/" + echoDom.domid()),
                        List.of("/local/domain/" + echoDom.domid() + "/data")),
                new IsolationSnapshot.Target(blockDom, IsolationSnapshot.quietFrames(blockDom, block.workFrames),
                        List.of("/local/domain/" + blockDom.domid(), "/local/domain/0/backend/vbd/" + blockDom.domid(),
                                "/local/domain/0/backend/pvkit-echo/" + blockDom.domid()), List.of()));
        IsolationSnapshot s0 = IsolationSnapshot.take(hv, targets);
        long faultsBefore = faults(all);

        AtomicReference<String> stuck = new AtomicReference<>();
        Thread watchdog = Thread.ofPlatform().daemon().name("fuzz-watchdog").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (HostileFuzzer f : List.of(fuzzer, fuzzer.second)) {
                    long s = f.callStartNanos;
                    if (s != 0 && System.nanoTime() - s > WATCHDOG_NANOS && s == f.callStartNanos) {
                        stuck.compareAndSet(null, "hypercall op " + f.currentOp + " cmd " + f.currentCmd + " arg "
                                + f.currentArg + " of vCPU " + f.lane + " did not return within "
                                + WATCHDOG_NANOS / 1_000_000 + " ms");
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        echo.go.countDown();
        block.go.countDown();
        fuzzer.go.countDown();
        long destroyMillis = -1;
        try {
            while (!hostile.awaitShutdown(Duration.ofMillis(200))) {
                if (destroyMidRun && System.nanoTime() - t0 > MID_RUN.toNanos()) {
                    long d0 = System.nanoTime();
                    hv.destroyDomain(hostile.domid());
                    destroyMillis = (System.nanoTime() - d0) / 1_000_000;
                    break;
                }
                if (stuck.get() != null) {
                    fail(replay + ": " + stuck.get());
                }
                if (System.nanoTime() - t0 > RUN_LIMIT.toNanos()) {
                    fail(replay + ": the run took longer than " + RUN_LIMIT + " after " + fuzzer.stats.calls + " hypercalls");
                }
            }
        } finally {
            watchdog.interrupt();
        }
        echo.stop = true;
        block.stop = true;
        assertTrue(echoDom.awaitShutdown(Duration.ofSeconds(60)), replay + ": echo guest did not finish");
        assertTrue(blockDom.awaitShutdown(Duration.ofSeconds(60)), replay + ": block guest did not finish");
        assertNull(stuck.get(), replay);
        IsolationSnapshot s1 = IsolationSnapshot.take(hv, targets);
        List<String> changed = s1.diff(s0, hostile.domid());
        long faults = faults(all) - faultsBefore;
        double seconds = ((destroyMidRun ? t0 + MID_RUN.toNanos() : fuzzer.finishedNanos) - fuzzer.startedNanos) / 1e9;

        System.out.println("[fuzz] " + replay + (destroyMidRun ? "; destroyed mid-run in " + destroyMillis + " ms" : ""));
        for (HostileFuzzer f : List.of(fuzzer, fuzzer.second)) {
            System.out.println("[fuzz] vCPU " + f.lane + ":");
            for (String l : f.stats.report()) {
                System.out.println("[fuzz] " + l);
            }
        }
        long total = fuzzer.stats.calls + fuzzer.second.stats.calls;
        System.out.printf("[fuzz] %,d hypercalls (vCPU 0: %,d, vCPU 1: %,d) in %.1f s (%,.0f/s); hypervisor faults (escapes caught at the edge) %d;"
                + " invariants checked %,d (%s); echo round trips %,d, xenstore ops %,d; block requests %,d;"
                + " hostile console lines dropped %,d%n", total, fuzzer.stats.calls, fuzzer.second.stats.calls, seconds,
                total / seconds,
                faults, s1.checks, s1.sizes(), echo.progress.get(), echo.xenstoreOps.get(), block.progress.get(),
                hostileLines.get());

        java.util.Map<String, Integer> said = new java.util.TreeMap<>();
        for (String l : lines) {
            if (l.startsWith("Domain-0| ")) {
                String m = l.substring(10).replaceAll("[0-9]+", "N");
                said.merge(m.length() > 90 ? m.substring(0, 90) : m, 1, Integer::sum);
            }
        }
        said.forEach((m, n) -> System.out.println("[fuzz] domain 0 said " + n + "x: " + m));
        if (destroyMidRun) {
            assertEquals(DomainState.DEAD, hostile.info().state(), replay);
            assertTrue(destroyMillis < Hypervisor.SERVICE_TIMEOUT.toMillis(), replay + ": destroy took " + destroyMillis + " ms");
        } else {
            assertEquals(ShutdownReason.POWEROFF, hostile.info().shutdownReason(), () -> replay + ": " + hostile.info().crash());
        }
        assertEquals(0, fuzzer.stats.escapes, () -> replay + ": exceptions escaped: " + fuzzer.stats.escaped);
        assertEquals(0, fuzzer.second.stats.escapes, () -> replay + ": exceptions escaped: " + fuzzer.second.stats.escaped);
        assertEquals(List.of(), fuzzer.second.stats.violations, replay);
        assertEquals(0, faults, replay + ": hypercalls failed inside the hypervisor (see the log)");
        assertEquals(List.of(), fuzzer.stats.violations, replay);
        assertEquals(List.of(), changed, replay + ": another domain changed");
        if (!destroyMidRun) {
            assertEquals(CALLS, fuzzer.stats.calls, replay);
        }
        assertNull(echoDom.info().crash(), replay);
        assertNull(blockDom.info().crash(), replay);
        assertEquals(ShutdownReason.POWEROFF, echoDom.info().shutdownReason(), replay);
        assertEquals(ShutdownReason.POWEROFF, blockDom.info().shutdownReason(), replay);
        verifyEchoGuest(echo, echoDom.domid(), replay);
        verifyDisk(block, blockDisk, replay);

        for (Domain d : destroyMidRun ? List.of(blockDom, echoDom) : List.of(hostile, blockDom, echoDom)) {
            hv.destroyDomain(d.domid());
        }
        assertEquals(before, hv.counts(), replay);
    }

    static long faults(List<Domain> domains) {
        long n = 0;
        for (Domain d : domains) {
            n += FaultAccess.record(d).faults.sum();
        }
        return n;
    }

    private void verifyEchoGuest(Victims.EchoXenstore echo, int domid, String replay) {
        try (WireClient.Socket xs = new WireClient.Socket(hv.xenstoreSocket())) {
            for (int k = 0; k < Victims.EchoXenstore.KEYS; k++) {
                if (echo.lastValue[k] != null) {
                    WireClient.Frame f = xs.call(XsdSockmsgType.READ, 0, "/local/domain/" + domid + "/data/k" + k + "\0");
                    assertEquals(echo.lastValue[k], f.text(), replay + ": data/k" + k);
                }
            }
        }
        List<String> got = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("echo| ")) {
                got.add(l.substring(6));
            }
        }
        long rounds = echo.progress.get();
        List<String> want = new ArrayList<>();
        for (long r = 0; r < rounds; r += 32) {
            want.add("echo round " + r);
        }
        want.add("echo done " + rounds);
        assertEquals(want, got, replay + ": the echo guest's console");
    }

    private static void verifyDisk(Victims.BlockWriter block, Path disk, String replay) throws Exception {
        try (FileChannel ch = FileChannel.open(disk)) {
            for (int b = 0; b < block.blocks; b++) {
                if (block.expected[b] != null) {
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    ch.read(buf, b * 4096L);
                    assertArrayEquals(block.expected[b], buf.array(), replay + ": block " + b + " of the disk file");
                }
            }
        }
    }
}
