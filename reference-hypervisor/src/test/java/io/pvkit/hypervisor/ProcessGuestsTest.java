package io.pvkit.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.process.GuestConnection;
import io.pvkit.process.GuestRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Hypervisor#listenForGuests}: a guest session (here in this JVM; pvkit-cli's system tests use child
 * processes) gets a domain built like an in-process guest, its blocked remote vCPU makes the domain BLOCKED,
 * its console reaches the sink, and when the session ends the domain is destroyed and every count returns.
 */
class ProcessGuestsTest {
    @TempDir
    Path dir;

    private final BlockingQueue<GuestEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> console = new LinkedBlockingQueue<>();

    private GuestEvent next() throws InterruptedException {
        GuestEvent e = events.poll(10, TimeUnit.SECONDS);
        assertTrue(e != null, "no event");
        return e;
    }

    @Test
    void aSessionIsADomainUntilItEnds() throws Exception {
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(dir.resolve("g.sock"), GuestPolicy.asRequested(), events::add);
            GuestConnection c = GuestConnection.connect(dir.resolve("g.sock"), new GuestRequest(2, 256, "p g"));
            GuestEvent joined = next();
            assertEquals(GuestEvent.Kind.JOINED, joined.kind());
            assertEquals("p_g", joined.info().name(), "the name is made a domain name");
            Domain d = hv.domain(c.domid()).orElseThrow();
            assertEquals(1, hv.counts().guestSessions());
            assertEquals(before.vcpuThreads(), hv.counts().vcpuThreads(), "no vCPU thread of ours");

            GuestHypercalls hc = new GuestHypercalls(c.hypercalls(), c.context(0), 64, 1024);
            hc.consoleWrite("hello from a session\n".getBytes(StandardCharsets.US_ASCII));
            String line = console.poll(10, TimeUnit.SECONDS);
            assertEquals("p_g| hello from a session", line);
            // vCPU 1 is never used; vCPU 0 blocks: the domain is BLOCKED only when both remote vCPUs wait
            Thread blocker = Thread.ofPlatform().start(() -> hc.call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0));
            Thread.sleep(200);
            assertEquals(DomainState.RUNNING, d.info().state(), "one of two remote vCPUs waits");
            GuestHypercalls hc1 = new GuestHypercalls(c.hypercalls(), c.context(1), 2048, 1024);
            Thread blocker1 = Thread.ofPlatform().start(() -> hc1.call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0));
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (d.info().state() != DomainState.BLOCKED && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            assertEquals(DomainState.BLOCKED, d.info().state(), "both remote vCPUs wait in SCHEDOP_block");

            c.close(); // the guest leaves without shutting down
            GuestEvent left = next();
            assertEquals(GuestEvent.Kind.LEFT, left.kind());
            assertEquals(ShutdownReason.CRASH, left.info().shutdownReason());
            assertEquals(DomainState.DEAD, d.info().state());
            blocker.join(5000);
            blocker1.join(5000);
            assertTrue(!blocker.isAlive() && !blocker1.isAlive(), "the blocked hypercalls returned");
            until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!hv.counts().equals(before) && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            assertEquals(before, hv.counts());
        }
    }

    @Test
    void aRefusedGuestGetsNoDomain() throws Exception {
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.createDomain(DomainConfig.guest("taken", 64, null));
            hv.listenForGuests(dir.resolve("g.sock"));
            assertThrows(RuntimeException.class,
                    () -> GuestConnection.connect(dir.resolve("g.sock"), new GuestRequest(1, 64, "taken")).close());
            assertEquals(2, hv.domains().size(), "dom0 and the in-process guest only");
            hv.destroyDomain(1);
            assertEquals(before, hv.counts());
        }
    }
}
