package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.xenbus.testpeer.XenstoreTestPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client over a real Unix domain socket against {@link XenstoreTestPeer} (a test double, not a
 * xenstored): every operation, watches on the event thread, transaction retry, concurrent requests
 * correlated by req_id, and a hostile reply over the socket.
 */
class SocketClientTest {
    @TempDir
    Path dir;
    private XenstoreTestPeer peer;
    private XenbusClient xs;

    @BeforeEach
    void setUp() throws Exception {
        peer = new XenstoreTestPeer();
        xs = XenbusClient.overSocket(peer.listen(dir.resolve("socket")));
    }

    @AfterEach
    void tearDown() {
        xs.close();
        peer.close();
    }

    @Test
    void shouldWriteReadListAndRemove() {
        xs.write("/local/domain/1/name", "guest1");
        xs.mkdir("/local/domain/1/device");
        assertEquals("guest1", xs.read("/local/domain/1/name"));
        assertEquals(List.of("device", "name"), xs.directory("/local/domain/1"));
        xs.rm("/local/domain/1");
        assertEquals(Optional.empty(), xs.tryRead("/local/domain/1/name"));
        XenstoreErrorException e = assertThrows(XenstoreErrorException.class, () -> xs.rm("/local/domain/1"));
        assertEquals(XsError.ENOENT, e.error());
        assertNull(xs.failure());
        assertEquals("/local/domain/7", xs.getDomainPath(7));
    }

    @Test
    void shouldSetAndGetPermissions() {
        xs.write("/local/domain/1/device", "");
        List<XsPermission> perms = List.of(new XsPermission(XsPermission.Access.NONE, 1),
                new XsPermission(XsPermission.Access.READ, 0));
        xs.setPerms("/local/domain/1/device", perms);
        assertEquals(perms, xs.getPerms("/local/domain/1/device"));
    }

    @Test
    void shouldFireAWatchAtRegistrationAndOnEachChangeOnTheEventThread() throws Exception {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        AtomicReference<String> thread = new AtomicReference<>();
        CountDownLatch three = new CountDownLatch(3);
        XenbusWatch w = xs.watch("/local/domain/0/backend", e -> {
            thread.set(Thread.currentThread().getName());
            events.add(e);
            three.countDown();
        });
        xs.write("/local/domain/0/backend/pvkit-echo/1/0/state", "2");
        xs.write("/local/domain/0/other", "x");   // not below the watch
        xs.rm("/local/domain/0/backend/pvkit-echo");
        assertTrue(three.await(5, TimeUnit.SECONDS), events.toString());
        assertEquals(List.of(new WatchEvent("/local/domain/0/backend", w.token()),
                new WatchEvent("/local/domain/0/backend/pvkit-echo/1/0/state", w.token()),
                new WatchEvent("/local/domain/0/backend/pvkit-echo", w.token())), events);
        assertEquals("xenbus-events", thread.get());
        w.close();
        xs.write("/local/domain/0/backend/x", "1");
        xs.read("/local/domain/0/backend/x");   // a round trip after the write: an event would have come first
        Thread.sleep(100);
        assertEquals(3, events.size(), "no events after unwatch");
        assertTrue(peer.log.contains("UNWATCH"));
    }

    @Test
    void shouldLetAListenerMakeRequests() throws Exception {
        CountDownLatch read = new CountDownLatch(1);
        AtomicReference<String> value = new AtomicReference<>();
        xs.watch("/local/domain/0/flag", e -> {
            Optional<String> v = xs.tryRead(e.path());
            if (v.isPresent()) {
                value.set(v.get());
                read.countDown();
            }
        });
        xs.write("/local/domain/0/flag", "up");
        assertTrue(read.await(5, TimeUnit.SECONDS));
        assertEquals("up", value.get());
    }

    @Test
    void shouldRetryATransactionOnEagainAndApplyItOnce() {
        peer.failCommits.set(2);
        AtomicInteger attempts = new AtomicInteger();
        String result = xs.transaction(tx -> {
            attempts.incrementAndGet();
            tx.write("/local/domain/1/device/pvkit-echo/0/event-channel", "5");
            tx.write("/local/domain/1/device/pvkit-echo/0/state", "3");
            return "done";
        });
        assertEquals("done", result);
        assertEquals(3, attempts.get());
        assertEquals("3", xs.read("/local/domain/1/device/pvkit-echo/0/state"));
        assertEquals(3, peer.log.stream().filter("TRANSACTION_START"::equals).count());
    }

    @Test
    void shouldGiveUpWithEagainAfterTheConfiguredAttemptsAndAbortOnOtherExceptions() throws Exception {
        try (XenbusClient two = XenbusClient.overSocket(dir.resolve("socket"),
                new XenbusClient.Options(java.time.Duration.ofSeconds(5), EventDispatch.THREAD, 2))) {
            peer.failCommits.set(5);
            XenstoreErrorException e = assertThrows(XenstoreErrorException.class,
                    () -> two.transaction(tx -> {
                        tx.write("/a", "1");
                        return null;
                    }));
            assertEquals(XsError.EAGAIN, e.error());
            assertNull(peer.get("/a"));
            peer.failCommits.set(0);
            assertThrows(IllegalStateException.class, () -> two.transaction(tx -> {
                tx.write("/b", "1");
                throw new IllegalStateException("body failed");
            }));
            assertNull(peer.get("/b"), "aborted: nothing applied");
        }
    }

    @Test
    void shouldCorrelateConcurrentRequestsFromManyThreads() throws Exception {
        int threads = 4;
        int each = 200;
        List<Thread> ts = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        xs.write("/t/" + id + "/" + i, id + ":" + i);
                        assertEquals(id + ":" + i, xs.read("/t/" + id + "/" + i));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join(30_000);
        }
        assertEquals(List.of(), errors);
        assertEquals(each, xs.directory("/t/3").size());
    }

    @Test
    void shouldBreakOnAHostileReplyOverTheSocketAndFailLaterCalls() {
        peer.override = (type, reqId, payload) -> type == XsdSockmsgType.READ
                ? XenstoreTestPeer.frame(XsdSockmsgType.READ.code(), reqId ^ 0x55, 0, new byte[] {'x'}) : null;
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("matches no outstanding request"), e.getMessage());
        assertNotNull(xs.failure());
        assertThrows(XenbusException.class, () -> xs.write("/b", "1"));
    }

    @Test
    void shouldRejectOversizedRequestsBeforeSending() {
        assertThrows(IllegalArgumentException.class, () -> xs.write("/a", new byte[4096]));
        assertThrows(IllegalArgumentException.class, () -> xs.read("/a\0b"));
        assertThrows(IllegalArgumentException.class, () -> xs.read(""));
        assertNull(xs.failure());
        assertEquals(List.of(), peer.log.stream().filter("WRITE"::equals).toList());
    }
}
