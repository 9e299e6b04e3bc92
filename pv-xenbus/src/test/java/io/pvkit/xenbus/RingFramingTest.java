package io.pvkit.xenbus;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XsError;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;
import io.pvkit.xenbus.spi.StoreWaiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static io.pvkit.xenbus.testpeer.XenstoreTestPeer.frame;
import static io.pvkit.xenbus.testpeer.XenstoreTestPeer.strings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client over a real xenstore page (a {@link GuestMemory} frame, the ring layout of xs_wire.h) against
 * a scripted server thread that answers each request frame with chosen raw bytes: well-formed replies work,
 * and every hostile reply breaks the client with a reason instead of being believed.
 */
class RingFramingTest {
    private final GuestMemory page = GuestMemory.allocate(1);
    private volatile boolean stop;
    private Thread server;
    private XenbusClient client;

    /** A request as the scripted server saw it. */
    record Request(XsdSockmsgType type, int reqId, int txId, byte[] payload) {
        String firstString() {
            int nul = 0;
            while (nul < payload.length && payload[nul] != 0) {
                nul++;
            }
            return new String(payload, 0, nul, StandardCharsets.UTF_8);
        }
    }

    /** Starts a server thread answering each request with {@code script(request)}, written in chunks of {@code chunk}. */
    private XenbusClient start(Function<Request, byte[]> script, int chunk, Duration timeout) {
        ByteStreamReader req = ByteStreamReader.attach(page, ByteStreamLayout.XENSTORE_REQUEST);
        ByteStreamWriter rsp = ByteStreamWriter.attach(page, ByteStreamLayout.XENSTORE_RESPONSE);
        server = Thread.ofPlatform().daemon().name("scripted-xenstored").start(() -> {
            byte[] buf = new byte[0];
            byte[] in = new byte[1024];
            while (!stop) {
                int n = req.read(MemorySegment.ofArray(in), 0, in.length);
                if (n == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                buf = concat(buf, Arrays.copyOf(in, n));
                while (buf.length >= 16 && buf.length >= 16 + le32(buf, 12)) {
                    int len = le32(buf, 12);
                    Request r = new Request(XsdSockmsgType.of(le32(buf, 0)).orElseThrow(), le32(buf, 4), le32(buf, 8),
                            Arrays.copyOfRange(buf, 16, 16 + len));
                    buf = Arrays.copyOfRange(buf, 16 + len, buf.length);
                    byte[] out = script.apply(r);
                    int off = 0;
                    while (out != null && off < out.length && !stop) {
                        off += rsp.write(MemorySegment.ofArray(out), off, Math.min(chunk, out.length - off));
                    }
                }
            }
        });
        client = XenbusClient.overRing(page, () -> { }, StoreWaiter.parking(100_000),
                XenbusClient.Options.defaults(EventDispatch.CALLER).withRequestTimeout(timeout));
        return client;
    }

    private XenbusClient start(Function<Request, byte[]> script) {
        return start(script, 4096, Duration.ofSeconds(10));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stop = true;
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.join(2000);
        }
        page.close();
    }

    @Test
    void shouldReadAValueAndCorrelateTheReplyByReqId() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(),
                ("value-of-" + r.firstString()).getBytes(StandardCharsets.UTF_8)));
        assertEquals("value-of-/a", xs.read("/a"));
        assertEquals("value-of-/b/c", xs.read("/b/c"));
        assertNull(xs.failure());
    }

    @Test
    void shouldReassembleAFullPayloadThatCrossesTheRingManyTimesInSmallChunks() {
        byte[] big = new byte[4096];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(), big), 7, Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {   // the indices wrap the 1024-byte ring many times
            assertArrayEquals(big, xs.readBytes("/big"));
        }
    }

    @Test
    void shouldBreakOnAPayloadLengthAbove4096BeforeWaitingForThePayload() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(), 4097, new byte[0]));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("4097 exceeds 4096"), e.getMessage());
        assertNotNull(xs.failure());
        assertThrows(XenbusException.class, () -> xs.read("/a"), "a broken client stays broken");
    }

    @Test
    void shouldBreakOnANegativeLengthReadAsUnsigned() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(), -1, new byte[0]));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("4294967295 exceeds"), e.getMessage());
    }

    @Test
    void shouldBreakOnAnUnknownMessageType() {
        XenbusClient xs = start(r -> frame(20, r.reqId(), r.txId(), "x".getBytes(StandardCharsets.UTF_8)));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("unknown type 20"), e.getMessage());
    }

    @Test
    void shouldBreakOnAReplyWhoseReqIdMatchesNoOutstandingRequest() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId() + 1, r.txId(), new byte[] {'v'}));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("matches no outstanding request"), e.getMessage());
    }

    @Test
    void shouldBreakOnAReplyOfAnotherTypeThanTheRequest() {
        XenbusClient xs = start(r -> frame(XsdSockmsgType.WRITE.code(), r.reqId(), r.txId(), new byte[] {'O', 'K', 0}));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("WRITE reply to a READ request"), e.getMessage());
    }

    @Test
    void shouldReportErrorRepliesWithoutBreakingAndRejectUnterminatedOnes() {
        AtomicInteger calls = new AtomicInteger();
        XenbusClient xs = start(r -> calls.incrementAndGet() <= 2
                ? frame(XsdSockmsgType.ERROR.code(), r.reqId(), r.txId(), strings(List.of("ENOENT")))
                : frame(XsdSockmsgType.ERROR.code(), r.reqId(), r.txId(), "EACCES".getBytes(StandardCharsets.UTF_8)));
        XenstoreErrorException e = assertThrows(XenstoreErrorException.class, () -> xs.read("/missing"));
        assertEquals(XsError.ENOENT, e.error());
        assertEquals(java.util.Optional.empty(), xs.tryRead("/missing"));
        assertNull(xs.failure(), "an error reply is not a protocol violation");
        XenbusException broken = assertThrows(XenbusException.class, () -> xs.read("/x"));
        assertTrue(broken.getMessage().contains("not a NUL-terminated error name"), broken.getMessage());
        assertNotNull(xs.failure());
    }

    @Test
    void shouldRejectAckOtherThanOkNulAndUnterminatedDirectoryLists() {
        XenbusClient a = start(r -> frame(r.type().code(), r.reqId(), r.txId(), "OK".getBytes(StandardCharsets.UTF_8)));
        XenbusException e = assertThrows(XenbusException.class, () -> a.write("/a", "v"));
        assertTrue(e.getMessage().contains("is not \"OK\\0\""), e.getMessage());
    }

    @Test
    void shouldRejectADirectoryListWithoutItsFinalNul() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(), "a\0b".getBytes(StandardCharsets.UTF_8)));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.directory("/d"));
        assertTrue(e.getMessage().contains("not a list of NUL-terminated names"), e.getMessage());
    }

    @Test
    void shouldParseDirectoryAndPermissions() {
        XenbusClient xs = start(r -> switch (r.type()) {
            case DIRECTORY -> frame(r.type().code(), r.reqId(), r.txId(), strings(List.of("backend", "state")));
            case GET_PERMS -> frame(r.type().code(), r.reqId(), r.txId(), strings(List.of("n1", "r0")));
            default -> frame(r.type().code(), r.reqId(), r.txId(), new byte[] {'O', 'K', 0});
        });
        assertEquals(List.of("backend", "state"), xs.directory("/local/domain/1/device/pvkit-echo/0"));
        assertEquals(List.of(new XsPermission(XsPermission.Access.NONE, 1), new XsPermission(XsPermission.Access.READ, 0)),
                xs.getPerms("/local/domain/1"));
    }

    @Test
    void shouldRejectAMalformedPermissionList() {
        XenbusClient xs = start(r -> frame(r.type().code(), r.reqId(), r.txId(), strings(List.of("x1"))));
        assertThrows(XenbusException.class, () -> xs.getPerms("/a"));
        assertNotNull(xs.failure());
    }

    @Test
    void shouldBreakOnAWatchEventThatIsNotPathNulTokenNul() {
        XenbusClient xs = start(r -> concat(frame(XsdSockmsgType.WATCH_EVENT.code(), 0, 0, "only-one\0".getBytes(
                StandardCharsets.UTF_8)), frame(r.type().code(), r.reqId(), r.txId(), new byte[] {'v'})));
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("malformed XS_WATCH_EVENT"), e.getMessage());
    }

    @Test
    void shouldBreakWhenTheServerWritesARingIndexBeyondTheRing() {
        XenbusClient xs = start(r -> {
            page.setIntRelease(ByteStreamLayout.XENSTORE_RESPONSE.prodOffset(), 5000);   // prod - cons > 1024
            return null;
        });
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("response ring broken"), e.getMessage());
    }

    @Test
    void shouldGiveUpAfterTheRequestTimeoutWhenNoReplyComes() {
        XenbusClient xs = start(r -> null, 4096, Duration.ofMillis(200));
        long t0 = System.nanoTime();
        XenbusException e = assertThrows(XenbusException.class, () -> xs.read("/a"));
        assertTrue(e.getMessage().contains("no reply to READ"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }

    @Test
    void shouldQueueWatchEventsAndDispatchThemOnlyOnTheCallersLoop() {
        XenbusClient xs = start(r -> r.type() == XsdSockmsgType.WATCH
                ? concat(frame(r.type().code(), r.reqId(), r.txId(), new byte[] {'O', 'K', 0}),
                        frame(XsdSockmsgType.WATCH_EVENT.code(), 0, 0, r.payload()))
                : frame(r.type().code(), r.reqId(), r.txId(), new byte[] {'v'}));
        List<WatchEvent> seen = new java.util.ArrayList<>();
        XenbusWatch w = xs.watch("/local/domain/0/backend", seen::add);
        xs.read("/a");   // the event arrived with the WATCH reply; nothing ran yet
        assertEquals(List.of(), seen);
        assertEquals(1, xs.dispatchEvents());
        assertEquals(List.of(new WatchEvent("/local/domain/0/backend", w.token())), seen);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

}
