package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A test client that writes raw {@code xsd_sockmsg} frames (independent of the daemon's classes) over a
 * socket or a real xenstore ring page, and reads frames back; watch events are set aside in {@link #events}.
 */
public abstract class WireClient implements AutoCloseable {
    /** A frame read back. */
    public record Frame(int type, int reqId, int txId, byte[] payload) {
        /** @return the payload as text */
        public String text() {
            return new String(payload, StandardCharsets.ISO_8859_1);
        }

        /** @return whether this is an XS_ERROR reply */
        public boolean isError() {
            return type == XsdSockmsgType.ERROR.code();
        }

        /** The error name, or "" when this is no error. */
        public String error() {
            return isError() ? text().replace("\0", "") : "";
        }
    }

    final Deque<Frame> events = new ArrayDeque<>();
    private int nextReq = 100;

    WireClient() {
    }

    abstract void send(byte[] raw);

    @Override
    public abstract void close();

    /** @return the bytes, or null when none arrived within the timeout */
    abstract byte[] receive(int n, long timeoutMillis);

    static byte[] frame(int type, int reqId, int tx, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(reqId).putInt(tx).putInt(payload.length).put(payload);
        return b.array();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One request and its reply. */
    public Frame call(XsdSockmsgType type, int tx, String payload) {
        return call(type.code(), tx, bytes(payload));
    }

    Frame call(int type, int tx, byte[] payload) {
        int id = nextReq++;
        send(frame(type, id, tx, payload));
        while (true) {
            Frame f = next(5000);
            if (f == null) {
                throw new AssertionError("no reply to request " + id + " (type " + type + ")");
            }
            if (f.type() == XsdSockmsgType.WATCH_EVENT.code()) {
                events.add(f);
                continue;
            }
            if (f.reqId() != id) {
                throw new AssertionError("reply to " + f.reqId() + " while waiting for " + id);
            }
            return f;
        }
    }

    /** The next frame (reply or event), or null on timeout. */
    Frame next(long timeoutMillis) {
        byte[] h = receive(16, timeoutMillis);
        if (h == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        int len = b.getInt(12);
        byte[] p = len == 0 ? new byte[0] : receive(len, 5000);
        if (p == null) {
            throw new AssertionError("truncated frame");
        }
        return new Frame(b.getInt(0), b.getInt(4), b.getInt(8), p);
    }

    /** The next watch event (queued or new), or null on timeout. */
    Frame event(long timeoutMillis) {
        if (!events.isEmpty()) {
            return events.poll();
        }
        Frame f = next(timeoutMillis);
        if (f != null && f.type() != XsdSockmsgType.WATCH_EVENT.code()) {
            throw new AssertionError("unexpected frame type " + f.type());
        }
        return f;
    }

    /** One request that must succeed; its reply's text. */
    public String ok(XsdSockmsgType type, int tx, String payload) {
        Frame f = call(type, tx, payload);
        if (f.isError()) {
            throw new AssertionError(type + " " + payload.replace('\0', ' ') + " failed: " + f.error());
        }
        return f.text();
    }

    String error(XsdSockmsgType type, int tx, String payload) {
        return call(type, tx, payload).error();
    }

    /** Over the tools socket. */
    public static final class Socket extends WireClient {
        private final SocketChannel ch;
        private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

        /** @param path xenstored's tools socket (the connection acts as domain 0) */
        public Socket(Path path) {
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        void send(byte[] raw) {
            try {
                ByteBuffer b = ByteBuffer.wrap(raw);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        byte[] receive(int n, long timeoutMillis) {
            try {
                ch.configureBlocking(false);
                long until = System.nanoTime() + timeoutMillis * 1_000_000;
                ByteBuffer b = ByteBuffer.allocate(n);
                while (b.hasRemaining()) {
                    int r = ch.read(b);
                    if (r < 0) {
                        return null; // closed
                    }
                    if (r == 0) {
                        if (System.nanoTime() - until > 0) {
                            if (b.position() > 0) {
                                throw new AssertionError("partial read");
                            }
                            return null;
                        }
                        Thread.sleep(1);
                    }
                }
                return b.array();
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** Whether the server closed the connection (reads end of stream within the timeout). */
        boolean closedByServer(long timeoutMillis) {
            try {
                ch.configureBlocking(false);
                long until = System.nanoTime() + timeoutMillis * 1_000_000;
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (System.nanoTime() - until < 0) {
                    b.clear();
                    if (ch.read(b) < 0) {
                        return true;
                    }
                    Thread.sleep(2);
                }
                return false;
            } catch (IOException e) {
                return true;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
            buffered.reset();
        }
    }

    /** Over a real {@code xenstore_domain_interface} page, acting as the guest. */
    public static final class Ring extends WireClient {
        final MemoryAccess page;
        private final ByteStreamWriter requests;
        private final ByteStreamReader responses;
        private final Runnable kick;

        /**
         * @param page the page (guest view)
         * @param kick what makes the server look (service() in unit tests, an event channel send in the system)
         */
        public Ring(MemoryAccess page, Runnable kick) {
            this.page = page;
            this.requests = ByteStreamWriter.attach(page, ByteStreamLayout.XENSTORE_REQUEST);
            this.responses = ByteStreamReader.attach(page, ByteStreamLayout.XENSTORE_RESPONSE);
            this.kick = kick;
        }

        @Override
        void send(byte[] raw) {
            MemorySegment src = MemorySegment.ofArray(raw);
            int done = 0;
            long until = System.nanoTime() + 5_000_000_000L;
            while (done < raw.length) {
                int n = requests.write(src, done, raw.length - done);
                done += n;
                kick.run();
                if (n == 0) {
                    drainToEvents();
                    if (System.nanoTime() - until > 0) {
                        throw new AssertionError("request ring stays full");
                    }
                    Thread.onSpinWait();
                }
            }
        }

        /** While the request ring is full, read replies so the server can go on (kept for next()). */
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        private void drainToEvents() {
            byte[] buf = new byte[1024];
            int n = responses.read(MemorySegment.ofArray(buf), 0, buf.length);
            pending.write(buf, 0, n);
        }

        @Override
        byte[] receive(int n, long timeoutMillis) {
            byte[] out = new byte[n];
            int have = 0;
            byte[] p = pending.toByteArray();
            int take = Math.min(n, p.length);
            System.arraycopy(p, 0, out, 0, take);
            have = take;
            pending.reset();
            pending.write(p, take, p.length - take);
            long until = System.nanoTime() + timeoutMillis * 1_000_000;
            while (have < n) {
                int r = responses.read(MemorySegment.ofArray(out), have, n - have);
                have += r;
                if (r == 0) {
                    kick.run();
                    if (System.nanoTime() - until > 0) {
                        if (have > 0) {
                            throw new AssertionError("partial frame");
                        }
                        return null;
                    }
                    Thread.onSpinWait();
                }
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
