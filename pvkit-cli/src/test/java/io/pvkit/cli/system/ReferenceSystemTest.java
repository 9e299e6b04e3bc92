package io.pvkit.cli.system;

import static io.pvkit.cli.system.SystemAssertions.assertCountsReturnTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.guest.GuestEnvironment;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.guest.Workload;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.DomainState;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.hypervisor.ResourceCounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference system end to end: the reference hypervisor (dom0 with its console and echo services)
 * running real reference guests, observed only through the hypervisor's public API, the console sink and
 * the log files.
 */
@Timeout(180)
class ReferenceSystemTest {

    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(90);
    private static final long FRAMES = 256;   // 1 MiB per guest

    @TempDir
    Path logs;

    private final List<String> console = new CopyOnWriteArrayList<>();

    private Hypervisor start() {
        return Hypervisor.start(new HypervisorConfig(logs, console::add));
    }

    private static Domain boot(Hypervisor hv, String name, GuestEntryPoint entry) {
        return hv.createDomain(new DomainConfig(name, FRAMES, 1, false, entry, "", new MemoryBacking.Arena()));
    }

    private static DomainInfo awaitShutdown(Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(SHUTDOWN_WAIT), d.name() + " did not shut down: " + d.info());
        return d.info();
    }


    private List<String> consoleOf(String name, String marker) {
        String prefix = name + "|";
        return console.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip())
                .filter(l -> l.contains(marker)).toList();
    }

    @ParameterizedTest(name = "{0} guests")
    @ValueSource(ints = {1, 2, 8})
    void guestsBootPlayPingPongPowerOffAndDestroyReleasesEverything(int n) throws Exception {
        try (Hypervisor hv = start()) {
            ResourceCounts before = hv.counts();
            List<ReferenceGuest> guests = new ArrayList<>();
            List<Domain> domains = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                ReferenceGuest g = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(200).build());
                guests.add(g);
                domains.add(boot(hv, "guest" + i, g));
            }
            assertEquals(0, hv.domains().getFirst().domid(), "dom0 first");
            assertEquals(n + 1, hv.domains().size());
            for (int i = 0; i < n; i++) {
                DomainInfo info = awaitShutdown(domains.get(i));
                assertEquals(DomainState.SHUTDOWN, info.state(), info.toString());
                assertEquals(ShutdownReason.POWEROFF, info.shutdownReason(), guests.get(i).stats().toString());
                assertNull(info.crash());
                assertNull(guests.get(i).stats().failure());
                assertEquals(200, guests.get(i).stats().roundTrips(), guests.get(i).stats().toString());
                assertTrue(info.hypercalls() >= 200, "at least a send per round trip: " + info);
                assertTrue(info.eventsSent() >= 200 && info.eventsDelivered() >= 200, "events: " + info);
                assertEquals(0, guests.get(i).stats().consoleBytesDropped());
            }
            for (Domain d : domains) {
                hv.destroyDomain(d.domid());
            }
            assertCountsReturnTo(before, hv);
            assertEquals(1, hv.domains().size(), "only dom0 left: " + hv.domains());
        }
    }

    /** Writes {@code lines} numbered lines on the console ring, then returns (the guest powers off). */
    private static Workload numberedLines(String tag, int lines) {
        return new Workload() {
            @Override
            public String name() {
                return "numbered-lines";
            }

            @Override
            public void run(GuestEnvironment env) {
                for (int i = 1; i <= lines; i++) {
                    env.console().println(String.format("%s line %04d of %04d", tag, i, lines));
                }
            }
        };
    }

    @Test
    void consoleOutputArrivesInOrderAndComplete() throws Exception {
        int lines = 2000;   // far more than one 1 KiB output ring holds: the backend must keep draining
        try (Hypervisor hv = start()) {
            List<Domain> domains = new ArrayList<>();
            List<ReferenceGuest> guests = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                ReferenceGuest g = ReferenceGuest.entryPoint(
                        GuestOptions.builder().workload(numberedLines("t" + i, lines)).build());
                guests.add(g);
                domains.add(boot(hv, "con" + i, g));
            }
            for (int i = 0; i < domains.size(); i++) {
                DomainInfo info = awaitShutdown(domains.get(i));
                assertEquals(ShutdownReason.POWEROFF, info.shutdownReason(), guests.get(i).stats().toString());
                assertEquals(0, guests.get(i).stats().consoleBytesDropped());
            }
            for (int i = 1; i <= domains.size(); i++) {
                String tag = "t" + i;
                List<String> expected = IntStream.rangeClosed(1, lines)
                        .mapToObj(k -> String.format("%s line %04d of %04d", tag, k, lines)).toList();
                assertEquals(expected, awaitConsole("con" + i, tag + " line", lines), "console sink of con" + i);
                assertEquals(expected, logLines("con" + i, tag + " line"), "log file of con" + i);
            }
        }
    }

    /** The sink sees a line when dom0's backend has drained it, possibly just after the guest shut down. */
    private List<String> awaitConsole(String name, String marker, int count) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> got = consoleOf(name, marker);
        while (got.size() < count && System.nanoTime() - until < 0) {
            Thread.sleep(20);
            got = consoleOf(name, marker);
        }
        return got;
    }

    private List<String> logLines(String name, String marker) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(logs)) {
            files = s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().contains(name)).toList();
        }
        assertEquals(1, files.size(), "one log file for " + name + " in " + logs + ": " + files);
        return Files.readAllLines(files.getFirst(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains(marker))
                .map(l -> l.substring(l.indexOf(marker.substring(0, marker.indexOf(' ')))))
                .toList();
    }

    @Test
    void shutdownReasonsAreRecordedAndAShutDownDomainGetsEsrch() throws Exception {
        try (Hypervisor hv = start()) {
            ResourceCounts before = hv.counts();
            Domain ok = boot(hv, "ok", ReferenceGuest.entryPoint(GuestOptions.builder().rounds(10).build()));
            ReferenceGuest failing = ReferenceGuest.entryPoint(GuestOptions.builder().workload(new Workload() {
                @Override
                public String name() {
                    return "fails";
                }

                @Override
                public void run(GuestEnvironment env) {
                    throw new IllegalStateException("the workload broke on purpose");
                }
            }).build());
            Domain crashy = boot(hv, "crashy", failing);
            Domain rebooter = boot(hv, "rebooter", start -> {
                GuestHypercalls hc = new GuestHypercalls(start.hypervisor(), start.self(), 64, GuestMemory.PAGE_SIZE - 64);
                hc.shutdown(ShutdownReason.REBOOT);
            });
            Domain thrower = boot(hv, "thrower", start -> {
                throw new IllegalStateException("guest code threw");
            });

            assertEquals(ShutdownReason.POWEROFF, awaitShutdown(ok).shutdownReason());
            assertEquals(ShutdownReason.CRASH, awaitShutdown(crashy).shutdownReason());
            assertTrue(awaitConsole("crashy", "crash:", 1).getFirst().contains("the workload broke on purpose"),
                    String.valueOf(consoleOf("crashy", "")));
            assertEquals(ShutdownReason.REBOOT, awaitShutdown(rebooter).shutdownReason());
            DomainInfo threw = awaitShutdown(thrower);
            assertNotNull(threw.crash(), "an exception out of the entry point is the domain's crash: " + threw);
            assertEquals("guest code threw", threw.crash().getMessage());

            for (Domain d : List.of(ok, crashy, rebooter)) {
                long rc = hv.dispatcher().hypercall(d.context(0), HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0);
                assertEquals(XenErrno.ESRCH.negated(), rc, "a hypercall of shut-down " + d.name());
                rc = hv.dispatcher().hypercall(d.context(0), HypercallOp.SCHED_OP.number(), 1 /* block */, 0, 0, 0, 0);
                assertEquals(XenErrno.ESRCH.negated(), rc, "block of shut-down " + d.name() + " returns at once");
            }
            for (Domain d : List.of(ok, crashy, rebooter, thrower)) {
                hv.destroyDomain(d.domid());
            }
            assertCountsReturnTo(before, hv);
        }
    }

    @Test
    void destroyingARunningGuestEndsItAndReleasesEverything() throws Exception {
        try (Hypervisor hv = start()) {
            ResourceCounts before = hv.counts();
            ReferenceGuest g = ReferenceGuest.entryPoint(GuestOptions.builder().duration(Duration.ofMinutes(5)).build());
            Domain d = boot(hv, "busy", g);
            long until = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
            while (g.stats().roundTrips() < 50 && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            assertTrue(g.stats().roundTrips() >= 50, "the guest never got going: " + g.stats());
            hv.destroyDomain(d.domid());
            assertTrue(d.awaitShutdown(SHUTDOWN_WAIT), "destroy ends the guest: " + d.info());
            assertCountsReturnTo(before, hv);
            assertTrue(hv.domain(d.domid()).isEmpty(), "a destroyed domain is gone");
        }
    }

    @Test
    void aGuestIssuingBadHypercallsGetsErrorsWhileItsNeighbourFinishes() throws Exception {
        try (Hypervisor hv = start()) {
            ResourceCounts before = hv.counts();
            ReferenceGuest victim = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(1000).build());
            Domain v = boot(hv, "victim", victim);
            HostileGuest hostile = new HostileGuest(v.domid(), 0x5EED_1DEAL, Duration.ofSeconds(3));
            Domain h = boot(hv, "hostile", hostile);

            DomainInfo hi = awaitShutdown(h);
            assertEquals(List.of(), hostile.escaped, "exceptions escaped the dispatcher");
            assertEquals(List.of(), hostile.violations, "bad hypercalls that succeeded");
            assertTrue(hostile.calls.get() > 1000, "the hostile guest made only " + hostile.calls + " calls");
            assertTrue(hostile.errors.get() > hostile.calls.get() / 2,
                    hostile.errors + " errors of " + hostile.calls + " calls");
            assertNull(hi.crash(), "the hostile guest's own code did not crash: " + hi);
            assertEquals(ShutdownReason.POWEROFF, hi.shutdownReason());

            DomainInfo vi = awaitShutdown(v);
            assertEquals(ShutdownReason.POWEROFF, vi.shutdownReason(), victim.stats().toString());
            assertEquals(1000, victim.stats().roundTrips());
            assertNull(victim.stats().failure());

            hv.destroyDomain(h.domid());
            hv.destroyDomain(v.domid());
            assertCountsReturnTo(before, hv);
        }
    }
}
