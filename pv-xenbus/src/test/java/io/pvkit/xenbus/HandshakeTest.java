package io.pvkit.xenbus;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.xenbus.spi.StoreWaiter;
import io.pvkit.xenbus.testpeer.XenstoreTestPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's xenbus handshake end to end through {@link XenstoreTestPeer} (a test double): the frontend as a
 * guest runs it (over a real xenstore ring page, {@link EventDispatch#CALLER}), the backend as domain 0
 * does (over the Unix socket, {@link EventDispatch#THREAD}). Closing from either side reaches Closed on both.
 */
class HandshakeTest {
    static final String FRONT = XenbusKeys.frontendPath(1, "pvkit-echo", 0);
    static final String BACK = XenbusKeys.backendPath(0, "pvkit-echo", 1, 0);

    @TempDir
    Path dir;
    private XenstoreTestPeer peer;
    private GuestMemory page;
    private Thread ringServer;
    private volatile boolean stop;
    private XenbusClient guest;
    private XenbusClient dom0;

    @BeforeEach
    void setUp() throws Exception {
        peer = new XenstoreTestPeer();
        // what the toolstack writes
        peer.put(FRONT + "/backend", BACK);
        peer.put(FRONT + "/backend-id", "0");
        peer.put(FRONT + "/state", "1");
        peer.put(BACK + "/frontend", FRONT);
        peer.put(BACK + "/frontend-id", "1");
        peer.put(BACK + "/state", "1");
        page = GuestMemory.allocate(1);
        XenstoreTestPeer.RingServer server = peer.serveRing(page, 1, () -> { });
        ringServer = Thread.ofPlatform().daemon().name("xs-ring").start(() -> {
            while (!stop) {
                if (server.poll() == 0) {
                    LockSupport.parkNanos(50_000);
                }
            }
        });
        guest = XenbusClient.overRing(page, () -> { }, StoreWaiter.parking(100_000));
        dom0 = XenbusClient.overSocket(peer.listen(dir.resolve("socket")));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        guest.close();
        dom0.close();
        stop = true;
        ringServer.join(2000);
        peer.close();
        page.close();
    }

    private Thread backendConnects(BackendDevice be, AtomicInteger port, AtomicReference<Throwable> failure) {
        return Thread.ofPlatform().name("backend").start(() -> {
            try {
                be.connect(Duration.ofSeconds(10), d -> port.set(d.readOtherEndInt(XenbusKeys.EVENT_CHANNEL, 1, 4095)));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    @Test
    void shouldConnectBothEndsAndCloseBothWhenTheFrontendCloses() throws Exception {
        FrontendDevice fe = FrontendDevice.open(guest, FRONT);
        BackendDevice be = BackendDevice.open(dom0, BACK);
        assertEquals(BACK, fe.backendPath());
        assertEquals(0, fe.backendId());
        assertEquals(1, be.frontendId());
        AtomicInteger port = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread backend = backendConnects(be, port, failure);
        fe.connect(Duration.ofSeconds(10), tx -> tx.write(fe.key(XenbusKeys.EVENT_CHANNEL), "7"));
        backend.join(10_000);
        assertNull(failure.get());
        assertEquals(7, port.get(), "the backend read the frontend's event-channel");
        assertEquals("4", peer.get(FRONT + "/state"));
        assertEquals("4", peer.get(BACK + "/state"));
        assertEquals(XenbusState.CONNECTED, fe.otherEndState());

        assertTrue(fe.disconnect(Duration.ofSeconds(10)), "the backend followed to Closed");
        assertEquals("6", peer.get(FRONT + "/state"));
        assertEquals("6", peer.get(BACK + "/state"));
        assertFalse(fe.closedByBackend());
        fe.close();
        be.close();
    }

    @Test
    void shouldCloseBothWhenTheBackendCloses() throws Exception {
        FrontendDevice fe = FrontendDevice.open(guest, FRONT);
        BackendDevice be = BackendDevice.open(dom0, BACK);
        AtomicInteger port = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread backend = backendConnects(be, port, failure);
        fe.connect(Duration.ofSeconds(10), tx -> tx.write(fe.key(XenbusKeys.EVENT_CHANNEL), "9"));
        backend.join(10_000);
        AtomicReference<Boolean> reached = new AtomicReference<>();
        Thread closer = Thread.ofPlatform().start(() -> reached.set(be.disconnect(Duration.ofSeconds(10))));
        // the guest's loop: dispatching events runs the frontend's close-following
        assertEquals(XenbusState.CLOSED, fe.awaitOtherEnd(EnumSet.of(XenbusState.CLOSED), Duration.ofSeconds(10)));
        closer.join(10_000);
        assertEquals(Boolean.TRUE, reached.get());
        assertTrue(fe.closedByBackend());
        assertEquals(XenbusState.CLOSED, fe.ownState());
        assertEquals("6", peer.get(FRONT + "/state"));
        assertEquals("6", peer.get(BACK + "/state"));
    }

    @Test
    void shouldFailTheFrontendHandshakeWhenTheBackendNeverReachesInitWait() {
        FrontendDevice fe = FrontendDevice.open(guest, FRONT);
        XenbusHandshakeException e = assertThrows(XenbusHandshakeException.class,
                () -> fe.connect(Duration.ofMillis(300), tx -> { }));
        assertEquals(XenbusState.INITIALISING, e.otherEnd());
        assertEquals("1", peer.get(FRONT + "/state"), "nothing published");
    }

    @Test
    void shouldFailTheFrontendHandshakeWhenTheBackendClosesInstead() throws Exception {
        FrontendDevice fe = FrontendDevice.open(guest, FRONT);
        BackendDevice be = BackendDevice.open(dom0, BACK);
        be.switchState(XenbusState.INIT_WAIT);
        Thread closer = Thread.ofPlatform().start(() -> {
            be.awaitOtherEnd(EnumSet.of(XenbusState.INITIALISED), Duration.ofSeconds(10));
            be.switchState(XenbusState.CLOSING);
        });
        XenbusHandshakeException e = assertThrows(XenbusHandshakeException.class,
                () -> fe.connect(Duration.ofSeconds(10), tx -> { }));
        closer.join(10_000);
        // the backend was seen Closing, or already Closed when it followed the frontend faster than the
        // frontend read its state (the backend device follows its other end on its own)
        assertTrue(e.otherEnd() == XenbusState.CLOSING || e.otherEnd() == XenbusState.CLOSED,
                "the handshake failed on the backend's close, other end " + e.otherEnd());
        assertEquals(XenbusState.CLOSED, fe.ownState(), "the frontend followed the backend to Closed");
    }

    @Test
    void shouldRejectHostileDeviceKeys() {
        peer.put(FRONT + "/backend", "/local/domain/0/backend/../../x y");
        assertThrows(XenbusHandshakeException.class, () -> FrontendDevice.open(guest, FRONT));
        peer.put(FRONT + "/backend", BACK);
        peer.put(FRONT + "/backend-id", "99999999999");
        assertThrows(XenbusHandshakeException.class, () -> FrontendDevice.open(guest, FRONT));
        peer.put(FRONT + "/backend-id", "0");
        FrontendDevice fe = FrontendDevice.open(guest, FRONT);
        peer.put(BACK + "/state", "banana");
        assertThrows(XenbusHandshakeException.class, fe::otherEndState);
        peer.put(BACK + "/event-channel", "-1");
        assertThrows(XenbusHandshakeException.class, () -> fe.readOtherEndInt(XenbusKeys.EVENT_CHANNEL, 1, 4095));
    }

    @Test
    void shouldNotCloseABackendWhoseFrontendStateIsNotWrittenYetButCloseItWhenItDisappearsLater() throws Exception {
        peer.remove(FRONT + "/state");   // a toolstack that writes the frontend's state after the backend's
        BackendDevice be = BackendDevice.open(dom0, BACK);
        be.switchState(XenbusState.INIT_WAIT);
        be.followOtherEnd();
        assertEquals(XenbusState.INIT_WAIT, be.ownState(), "a state never seen is not a frontend that went away");
        peer.put(FRONT + "/state", "1");
        assertEquals(XenbusState.INITIALISING, be.otherEndState());
        peer.remove(FRONT + "/state");
        be.followOtherEnd();
        assertEquals(XenbusState.CLOSED, be.ownState(), "a frontend state seen and then removed closes the backend");
        assertEquals("6", peer.get(BACK + "/state"));
    }

    @Test
    void shouldEndClosedOnBothSidesWhenTheFrontendsListenerAndItsDisconnectRace() throws Exception {
        // both ends on event threads: the frontend's close-following listener runs while disconnect() switches
        try (XenbusClient feClient = XenbusClient.overSocket(dir.resolve("socket"))) {
            for (int round = 0; round < 30; round++) {
                peer.put(FRONT + "/state", "1");
                peer.put(BACK + "/state", "1");
                FrontendDevice fe = FrontendDevice.open(feClient, FRONT);
                BackendDevice be = BackendDevice.open(dom0, BACK);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread backend = backendConnects(be, new AtomicInteger(), failure);
                fe.connect(Duration.ofSeconds(10), tx -> tx.write(fe.key(XenbusKeys.EVENT_CHANNEL), "7"));
                backend.join(10_000);
                assertNull(failure.get());
                assertTrue(fe.disconnect(Duration.ofSeconds(10)));
                assertEquals(XenbusState.CLOSED, fe.state(), "round " + round);
                assertFalse(fe.closedByBackend(), "round " + round);
                long until = System.nanoTime() + 5_000_000_000L;
                while (be.state() != XenbusState.CLOSED && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
                assertEquals(XenbusState.CLOSED, be.state(), "round " + round);
                fe.close();
                be.close();
            }
        }
    }
}
