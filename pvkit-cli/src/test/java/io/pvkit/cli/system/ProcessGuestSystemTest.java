package io.pvkit.cli.system;

import static io.pvkit.cli.system.SystemAssertions.assertCountsReturnTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.cli.demo.GuestProcess;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.DomainState;
import io.pvkit.hypervisor.GuestEvent;
import io.pvkit.hypervisor.GuestPolicy;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.ResourceCounts;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests in their own processes: a child JVM ({@code pvkit guest --connect}) runs the unchanged reference
 * guest against this process's hypervisor through pv-process's mailbox, and the hypervisor destroys its domain
 * when the process ends, whether it powered off or was killed.
 */
class ProcessGuestSystemTest {
    private static final long DISK = 1L << 20;

    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<String> console = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<GuestEvent> events = new LinkedBlockingQueue<>();

    private Path image(String name) throws Exception {
        Path p = dir.resolve(name + ".img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(DISK);
        }
        return p;
    }

    private GuestPolicy withDisk(String words) {
        return request -> {
            DomainConfig c = new DomainConfig(GuestPolicy.domainName(request), request.frames(), request.vcpus(), false,
                    null, words, null);
            try {
                return c.withDisks(List.of(DiskConfig.writable(image(c.name()))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private GuestEvent next(GuestEvent.Kind kind, Duration timeout) throws InterruptedException {
        GuestEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(e, "no " + kind + " event within " + timeout + "; console: " + console);
        assertEquals(kind, e.kind(), e::toString);
        return e;
    }


    @Test
    void aGuestProcessBootsPlaysWritesItsDiskAndPowersOff() throws Exception {
        Path sock = dir.resolve("guests.sock");
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(sock, withDisk("pvkit.blk.bs=4096 pvkit.blk.qd=4 pvkit.blk.passes=1"), events::add);
            Process p = GuestProcess.command(sock, "pg1", List.of("--rounds", "50", "--memory", "4M"))
                    .redirectErrorStream(true).start();
            GuestEvent joined = next(GuestEvent.Kind.JOINED, Duration.ofSeconds(20));
            assertEquals("pg1", joined.info().name());
            Domain d = hv.domain(joined.info().domid()).orElseThrow();
            assertEquals(1, hv.counts().guestSessions(), "one live session");
            GuestEvent left = next(GuestEvent.Kind.LEFT, Duration.ofSeconds(40));
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), output);
            assertEquals(0, p.exitValue(), output);
            DomainInfo last = left.info();
            assertEquals(ShutdownReason.POWEROFF, last.shutdownReason(), () -> last + "\n" + output + console);
            assertNull(last.crash());
            assertTrue(last.hypercalls() > 100, "hypercalls served through the mailbox: " + last.hypercalls());
            assertEquals(DomainState.DEAD, d.info().state(), "destroyed when the process left");
            assertTrue(output.contains("done, 50 round trips, 1 disk passes"), output);
            assertTrue(output.contains(" 0 mismatches"), output);
            assertTrue(console.stream().anyMatch(l -> l.startsWith("pg1|")), "its console lines reached dom0: " + console);
            assertCountsReturnTo(before, hv, "resource counts after the guest process left");
            System.out.println("[process-guest] pg1 (pid " + p.pid() + "): " + last.hypercalls()
                    + " hypercalls through the mailbox; " + output.lines().reduce((a, b) -> b).orElse(""));
        }
    }

    @Test
    void killingAGuestProcessMidRunDestroysItsDomainAndSparesTheOthers() throws Exception {
        Path sock = dir.resolve("guests.sock");
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(sock, withDisk("pvkit.blk.bs=4096 pvkit.blk.qd=8 pvkit.blk.passes=1000"), events::add);
            Process p = GuestProcess.command(sock, "victim", List.of("--rounds", "20"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            GuestEvent joined = next(GuestEvent.Kind.JOINED, Duration.ofSeconds(20));
            Domain victim = hv.domain(joined.info().domid()).orElseThrow();
            // an in-process guest runs alongside and must complete unaffected
            ReferenceGuest other = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(300).build());
            Domain bystander = hv.createDomain(DomainConfig.guest("bystander", 1024, other));
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!(victim.info().hypercalls() >= 2000 && hv.counts().blockWorkers() > 0) && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            // the victim is in the middle of its block workload (1000 passes: it would run for minutes)
            assertTrue(victim.info().hypercalls() >= 2000 && hv.counts().blockWorkers() > 0,
                    "the victim's block I/O got going: " + victim.info() + hv.counts() + console);
            long killed = System.nanoTime();
            p.destroyForcibly();
            GuestEvent left = next(GuestEvent.Kind.LEFT, Duration.ofSeconds(5));
            long noticedMicros = (System.nanoTime() - killed) / 1000;
            assertEquals(ShutdownReason.CRASH, left.info().shutdownReason(), left::toString);
            assertEquals(DomainState.DEAD, victim.info().state());
            assertTrue(noticedMicros < 2_000_000, "noticed and destroyed within 2 s: " + noticedMicros + " us");
            assertTrue(bystander.awaitShutdown(Duration.ofSeconds(30)), "bystander: " + bystander.info());
            assertEquals(ShutdownReason.POWEROFF, bystander.info().shutdownReason(), () -> other.stats() + "" + console);
            assertEquals(300, other.stats().roundTrips());
            hv.destroyDomain(bystander.domid());
            assertCountsReturnTo(before, hv, "resource counts after the guest process left");
            System.out.println("[process-guest] kill -9 of guest process " + p.pid() + " in block I/O after "
                    + left.info().hypercalls() + " hypercalls: domain destroyed " + noticedMicros
                    + " us after destroyForcibly (bound 2 s); bystander 300/300 round trips; counts " + before);
        }
    }
}
