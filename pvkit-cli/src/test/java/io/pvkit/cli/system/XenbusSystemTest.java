package io.pvkit.cli.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.abi.xenstore.XsError;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.GuestStats;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.guest.XenstoreStatus;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.xenbus.BackendDevice;
import io.pvkit.xenbus.FrontendDevice;
import io.pvkit.xenbus.WatchEvent;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusKeys;
import io.pvkit.xenbus.XenbusWatch;
import io.pvkit.xenbus.XenstoreErrorException;
import io.pvkit.xenbus.XsPermission;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * pv-xenbus against pvkit's own xenstored (domain 0 of the reference hypervisor): the real reference guest
 * walks the echo device's handshake over its xenstore ring with domain 0's echo backend, and pv-xenbus's
 * client, {@link FrontendDevice} and {@link BackendDevice} work over the tools socket.
 */
@Timeout(120)
class XenbusSystemTest {
    @TempDir
    Path dir;

    private final List<String> console = new CopyOnWriteArrayList<>();

    private Hypervisor start() {
        return Hypervisor.start(new HypervisorConfig(dir, console::add, dir.resolve("xenstored.socket")));
    }

    @Test
    void referenceGuestWalksTheEchoHandshakeWithDomain0AndClosesBothEnds() throws Exception {
        try (Hypervisor hv = start()) {
            ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().rounds(100).build());
            Domain d = hv.createDomain(new DomainConfig("xsguest", 256, 1, false, guest, "", new MemoryBacking.Arena()));
            assertTrue(d.awaitShutdown(Duration.ofSeconds(60)), d.info().toString());
            DomainInfo info = d.info();
            GuestStats stats = guest.stats();
            assertEquals(ShutdownReason.POWEROFF, info.shutdownReason(), () -> stats + " " + stats.failure() + " " + console);
            assertNull(stats.failure());
            assertEquals(XenstoreStatus.CONNECTED, stats.xenstore());
            assertTrue(stats.echoViaXenbus(), "the echo port came from the handshake");
            assertEquals(XenbusState.CLOSED, stats.echoDeviceState());
            assertEquals(100, stats.roundTrips());
            String front = XenbusKeys.frontendPath(d.domid(), "pvkit-echo", 0);
            String back = XenbusKeys.backendPath(0, "pvkit-echo", d.domid(), 0);
            try (XenbusClient xs = XenbusClient.overSocket(dir.resolve("xenstored.socket"))) {
                assertEquals("6", xs.read(front + "/state"));
                String port = xs.read(front + "/event-channel");
                assertTrue(port.matches("\\d+"), port);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);   // dom0 follows on its own loop
                while (!"6".equals(xs.read(back + "/state")) && System.nanoTime() - until < 0) {
                    Thread.sleep(10);
                }
                assertEquals("6", xs.read(back + "/state"), "domain 0's backend followed to Closed");
            }
            hv.destroyDomain(d.domid());
        }
    }

    @Test
    void clientOperationsWatchesAndTransactionsAgainstPvkitXenstored() throws Exception {
        try (Hypervisor hv = start();
             XenbusClient xs = XenbusClient.overSocket(dir.resolve("xenstored.socket"))) {
            assertEquals(0, hv.domains().getFirst().domid());
            LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
            XenbusWatch w = xs.watch("/pvkit-test", events::add);
            assertEquals(new WatchEvent("/pvkit-test", w.token()), events.poll(5, TimeUnit.SECONDS), "fires at registration");
            xs.write("/pvkit-test/a", "1");
            assertEquals(new WatchEvent("/pvkit-test/a", w.token()), events.poll(5, TimeUnit.SECONDS));
            AtomicInteger attempts = new AtomicInteger();
            xs.transaction(tx -> {
                attempts.incrementAndGet();
                tx.write("/pvkit-test/b", tx.read("/pvkit-test/a") + "+1");
                return null;
            });
            assertEquals("1+1", xs.read("/pvkit-test/b"));
            assertEquals(List.of("a", "b"), xs.directory("/pvkit-test").stream().sorted().toList());
            xs.setPerms("/pvkit-test/b", List.of(new XsPermission(XsPermission.Access.NONE, 0),
                    new XsPermission(XsPermission.Access.READ, 3)));
            assertEquals(List.of(new XsPermission(XsPermission.Access.NONE, 0), new XsPermission(XsPermission.Access.READ, 3)),
                    xs.getPerms("/pvkit-test/b"));
            xs.rm("/pvkit-test");
            XenstoreErrorException e = assertThrows(XenstoreErrorException.class, () -> xs.read("/pvkit-test/a"));
            assertEquals(XsError.ENOENT, e.error());
            w.close();
            assertNull(xs.failure());
            assertTrue(attempts.get() >= 1);
        }
    }

    @Test
    void frontendAndBackendDevicesHandshakeAndCloseOverPvkitXenstored() throws Exception {
        String front = "/local/domain/0/device/pvkit-test/0";
        String back = "/local/domain/0/backend/pvkit-test/0/0";
        try (Hypervisor hv = start();
             XenbusClient toolstack = XenbusClient.overSocket(dir.resolve("xenstored.socket"));
             XenbusClient feClient = XenbusClient.overSocket(dir.resolve("xenstored.socket"));
             XenbusClient beClient = XenbusClient.overSocket(dir.resolve("xenstored.socket"))) {
            assertEquals(0, hv.domains().getFirst().domid());
            toolstack.transaction(tx -> {
                tx.write(front + "/backend", back);
                tx.write(front + "/backend-id", "0");
                tx.write(front + "/state", "1");
                tx.write(back + "/frontend", front);
                tx.write(back + "/frontend-id", "0");
                tx.write(back + "/state", "1");
                return null;
            });
            FrontendDevice fe = FrontendDevice.open(feClient, front);
            BackendDevice be = BackendDevice.open(beClient, back);
            AtomicInteger port = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread backend = Thread.ofPlatform().start(() -> {
                try {
                    be.connect(Duration.ofSeconds(20), b -> port.set(b.readOtherEndInt(XenbusKeys.EVENT_CHANNEL, 1, 4095)));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            fe.connect(Duration.ofSeconds(20), tx -> tx.write(fe.key(XenbusKeys.EVENT_CHANNEL), "42"));
            backend.join(20_000);
            assertNull(failure.get());
            assertEquals(42, port.get());
            assertEquals(XenbusState.CONNECTED, fe.state());
            assertEquals(XenbusState.CONNECTED, be.state());
            assertTrue(fe.disconnect(Duration.ofSeconds(20)));
            assertEquals(XenbusState.CLOSED, fe.state());
            assertEquals(XenbusState.CLOSED, be.state());
            fe.close();
            be.close();
        }
    }
}
