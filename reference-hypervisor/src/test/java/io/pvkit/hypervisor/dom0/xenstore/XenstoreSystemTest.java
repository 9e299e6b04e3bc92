package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static io.pvkit.abi.xenstore.XsdSockmsgType.GET_PERMS;
import static io.pvkit.abi.xenstore.XsdSockmsgType.READ;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WATCH;
import static io.pvkit.abi.xenstore.XsdSockmsgType.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole system: the toolstack writes a guest's tree over the socket, domain 0 maps the guest's
 * xenstore page and serves its ring, and the test (acting as the guest, with its hypercalls and its real
 * ring page) walks the {@code pvkit-echo} handshake with domain 0's backend, pings the echo service over
 * the negotiated port, closes, and is destroyed (home removed, {@code @releaseDomain}) while another guest
 * floods xenstore.
 */
class XenstoreSystemTest {
    @TempDir
    Path dir;
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    /** A guest driven from a test thread: its hypercalls, its xenstore ring. */
    private final class Guest {
        final Domain d;
        final GuestHypercalls hc;
        final WireClient.Ring xs;
        final GuestMemory page;
        final long sharedInfo;

        Guest(String name) {
            d = hv.createDomain(DomainConfig.guest(name, 16, null));
            hc = new GuestHypercalls(hv.dispatcher(), d.context(0), 0, GuestMemory.PAGE_SIZE);
            GuestMemory mem = d.memory();
            long si = d.startInfoAddress();
            long storeGpa = GuestMemory.gpaOf(mem.getLong(si + StartInfoLayout.STORE_MFN_OFFSET));
            int storePort = mem.getInt(si + StartInfoLayout.STORE_EVTCHN_OFFSET);
            sharedInfo = mem.getLong(si + StartInfoLayout.SHARED_INFO_OFFSET);
            page = GuestMemory.wrap(mem.segment().asSlice(storeGpa, GuestMemory.PAGE_SIZE));
            xs = new WireClient.Ring(page, () -> {
                hc.send(storePort);
                LockSupport.parkNanos(100_000);
            });
        }

        boolean takePending(int port) {
            long word = sharedInfo + SharedInfoLayout.EVTCHN_PENDING_OFFSET + 8L * (port >>> 6);
            long bit = 1L << (port & 63);
            return (d.memory().getAndBitwiseAndLong(word, ~bit) & bit) != 0;
        }
    }

    private static void await(String what, Supplier<Boolean> condition) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void shouldWalkTheEchoHandshakeWithDomain0WhileAnotherGuestFloods() throws Exception {
        hv = Hypervisor.start(new HypervisorConfig(null, line -> { }, dir.resolve("xs.sock")));
        assertEquals(dir.resolve("xs.sock").toAbsolutePath(), hv.xenstoreSocket());
        try (WireClient.Socket tools = new WireClient.Socket(hv.xenstoreSocket())) {
            tools.ok(WATCH, 0, "@introduceDomain\0i\0");
            tools.ok(WATCH, 0, "@releaseDomain\0r\0");
            tools.event(2000);
            tools.event(2000);

            Guest g = new Guest("handshake");
            Guest flood = new Guest("flood");
            int id = g.d.domid();
            assertEquals("@introduceDomain\0i\0", tools.event(5000).text());
            String home = "/local/domain/" + id;
            assertEquals("handshake", tools.ok(READ, 0, home + "/name\0"));
            assertEquals(Integer.toString(id), tools.ok(READ, 0, home + "/domid\0"));
            assertEquals("n0\0r" + id + "\0", tools.ok(GET_PERMS, 0, home + "\0"));
            String be = tools.ok(READ, 0, home + "/device/pvkit-echo/0/backend\0");
            assertEquals("/local/domain/0/backend/pvkit-echo/" + id + "/0", be);
            await("backend InitWait", () -> "2".equals(tools.call(READ, 0, be + "/state\0").text()));

            // the flooder: oversized, unterminated, over quota, garbage types, all on its own ring
            AtomicInteger floodErrors = new AtomicInteger();
            List<Throwable> floodFailures = new CopyOnWriteArrayList<>();
            Thread flooder = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 1500; i++) {
                        WireClient.Frame f = switch (i % 4) {
                            case 0 -> flood.xs.call(WRITE, 0, "f" + i + "\0" + "x".repeat(3000));
                            case 1 -> flood.xs.call(READ.code(), 0, WireClient.bytes("no-nul"));
                            case 2 -> flood.xs.call(WATCH, 0, "w" + i + "\0t\0");
                            default -> flood.xs.call(77, 0, WireClient.bytes("?\0"));
                        };
                        if (f.isError()) {
                            floodErrors.incrementAndGet();
                        }
                        flood.xs.events.clear();
                    }
                } catch (Throwable t) {
                    floodFailures.add(t);
                }
            });

            // the guest's side of the handshake, over its real ring
            assertEquals(be, g.xs.ok(READ, 0, "device/pvkit-echo/0/backend\0"), "relative to its home");
            long port = g.hc.allocUnbound(0);
            assertTrue(port > 0);
            g.xs.ok(WRITE, 0, "device/pvkit-echo/0/event-channel\0" + port);
            g.xs.ok(WATCH, 0, be + "/state\0be\0");
            g.xs.ok(WRITE, 0, "device/pvkit-echo/0/state\0" + 3);
            await("backend Connected", () -> "4".equals(g.xs.call(READ, 0, be + "/state\0").text()));
            for (int round = 0; round < 5; round++) {
                g.takePending((int) port);
                assertEquals(0, g.hc.send((int) port));
                int p = (int) port;
                await("echo reply " + round, () -> g.takePending(p));
            }
            g.xs.ok(WRITE, 0, "device/pvkit-echo/0/state\0" + 5);
            await("backend Closing", () -> "5".equals(g.xs.call(READ, 0, be + "/state\0").text()));
            g.xs.ok(WRITE, 0, "device/pvkit-echo/0/state\0" + 6);
            await("backend Closed", () -> "6".equals(g.xs.call(READ, 0, be + "/state\0").text()));
            assertTrue(g.xs.events.size() >= 3, "the guest heard the backend's state changes: " + g.xs.events.size());

            flooder.join(60_000);
            assertEquals(List.of(), floodFailures);
            assertTrue(floodErrors.get() > 1000, "flood errors: " + floodErrors.get());
            assertEquals(XenstoreDomainInterfaceLayout.ERROR_NONE, flood.page.getInt(XenstoreDomainInterfaceLayout.ERROR_OFFSET));

            // ring garbage from the flooder stops its own connection only
            flood.page.setInt(XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET, 0x4000_0000);
            flood.hc.send(flood.d.memory().getInt(flood.d.startInfoAddress() + StartInfoLayout.STORE_EVTCHN_OFFSET));
            await("ring index error", () -> flood.page.getInt(XenstoreDomainInterfaceLayout.ERROR_OFFSET)
                    == XenstoreDomainInterfaceLayout.ERROR_RINGIDX);
            assertEquals("handshake", g.xs.ok(READ, 0, "name\0"));

            tools.events.clear();
            hv.destroyDomain(id);
            WireClient.Frame e;
            boolean released = false;
            while ((e = tools.event(5000)) != null && !released) {
                released = e.text().equals("@releaseDomain\0r\0");
            }
            assertTrue(released, "@releaseDomain fired");
            assertEquals("ENOENT", tools.error(READ, 0, home + "\0"), "the home is removed");
            assertEquals("ENOENT", tools.error(READ, 0, "/local/domain/0/backend/pvkit-echo/" + id + "\0"));
            assertEquals("F\0", tools.ok(io.pvkit.abi.xenstore.XsdSockmsgType.IS_DOMAIN_INTRODUCED, 0, id + "\0"));
        }
    }
}
