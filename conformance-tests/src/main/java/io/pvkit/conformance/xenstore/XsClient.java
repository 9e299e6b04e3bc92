package io.pvkit.conformance.xenstore;

import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kit's {@code xs_wire} client over any byte stream (a Unix domain socket, or a connection acting as a
 * domain that an implementation supplies). Replies are matched by {@code req_id}; {@code XS_WATCH_EVENT}
 * messages are queued apart and read with {@link #nextEvent(Duration)}.
 *
 * <p>A reader thread copies every complete message off the stream; the connection is considered closed by the
 * daemon when the stream reports end-of-file or an error. Not thread-safe for concurrent requests: one test
 * thread drives one client.
 */
public final class XsClient implements AutoCloseable {

    /** A message that stands for "the daemon closed the connection" in the internal queues. */
    private static final XsMessage CLOSED = new XsMessage(-1, 0, 0, new byte[0]);

    private final ByteChannel channel;
    private final String name;
    private final LinkedBlockingQueue<XsMessage> replies = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<XsMessage> events = new LinkedBlockingQueue<>();
    private final AtomicInteger nextReqId = new AtomicInteger(0x1000);
    private final Thread reader;
    private final Duration timeout;
    private volatile boolean closedByPeer;
    private volatile boolean closing;

    /**
     * Wraps a connected byte stream.
     *
     * @param channel the stream; a read blocks until bytes arrive and returns -1 (or throws) once closed
     * @param name a short name used in failure messages, e.g. {@code "dom0 socket"} or {@code "domain 5"}
     * @param timeout how long {@link #request} waits for a reply
     */
    public XsClient(ByteChannel channel, String name, Duration timeout) {
        this.channel = channel;
        this.name = name;
        this.timeout = timeout;
        this.reader = Thread.ofPlatform().daemon().name("xs-client-" + name).start(this::readLoop);
    }

    /**
     * Connects to a xenstored Unix domain socket.
     *
     * @param socket the socket path
     * @param name a short name for failure messages
     * @param timeout the reply timeout
     * @return the client
     * @throws IOException when the connection fails
     */
    public static XsClient connect(Path socket, String name, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new XsClient(ch, name, timeout);
    }

    /**
     * The name given at construction.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate((int) XsdSockmsgLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                header.clear();
                if (!fill(header)) {
                    break;
                }
                header.flip();
                int type = header.getInt();
                int reqId = header.getInt();
                int txId = header.getInt();
                int len = header.getInt();
                // UNTRUSTED: the daemon under test may announce any length; bound it before allocating.
                if (len < 0 || len > 1 << 20) {
                    replies.add(new XsMessage(type, reqId, txId, ("length " + Integer.toUnsignedString(len))
                            .getBytes(StandardCharsets.ISO_8859_1)));
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                if (!fill(payload)) {
                    break;
                }
                XsMessage m = new XsMessage(type, reqId, txId, payload.array());
                if (type == XsdSockmsgType.WATCH_EVENT.code()) {
                    events.add(m);
                } else {
                    replies.add(m);
                }
            }
        } catch (IOException | RuntimeException e) {
            // end of stream by error: treated as closed below
        } finally {
            if (!closing) {
                closedByPeer = true;
            }
            replies.add(CLOSED);
            events.add(CLOSED);
        }
    }

    private boolean fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends raw bytes exactly as given (the kit's malformed-message checks use it).
     *
     * @param bytes the bytes
     * @throws IOException when the stream is closed
     */
    public void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /**
     * Encodes a message: the header, then the payload.
     *
     * @param type the type field
     * @param reqId the request id
     * @param txId the transaction id
     * @param len the len field (normally {@code payload.length})
     * @param payload the payload bytes
     * @return the encoded bytes
     */
    public static byte[] encode(int type, int reqId, int txId, int len, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate((int) XsdSockmsgLayout.SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(reqId).putInt(txId).putInt(len).put(payload);
        return b.array();
    }

    /**
     * Sends a request and waits for the reply with its {@code req_id}.
     *
     * @param type the request type
     * @param txId the transaction id (0 outside transactions)
     * @param payload the payload
     * @return the reply
     * @throws IOException when sending fails
     * @throws AssertionError when no reply arrives within the timeout or the daemon closes the connection
     */
    public XsMessage request(int type, int txId, byte[] payload) throws IOException {
        int reqId = nextReqId.getAndIncrement();
        sendRaw(encode(type, reqId, txId, payload.length, payload));
        return awaitReply(reqId, "request " + type);
    }

    /**
     * Waits for the reply to a request sent with {@link #sendRaw}.
     *
     * @param reqId its request id
     * @param what what was sent, for the failure message
     * @return the reply
     */
    public XsMessage awaitReply(int reqId, String what) {
        XsMessage m = nextReply(timeout);
        if (m == null) {
            throw new AssertionError(name + ": no reply to " + what + " within " + timeout.toMillis() + " ms");
        }
        if (m == CLOSED) {
            throw new AssertionError(name + ": the daemon closed the connection instead of answering " + what);
        }
        return m;
    }

    /**
     * The next non-event message, or {@code null} after the timeout; after the daemon closed the connection it
     * returns a message of type -1.
     *
     * @param wait how long to wait
     * @return the message, or {@code null}
     */
    public XsMessage nextReply(Duration wait) {
        try {
            XsMessage m = replies.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (m == CLOSED) {
                replies.add(CLOSED);
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Sends a request whose payload is the given strings, each followed by a NUL.
     *
     * @param type the request type
     * @param txId the transaction id
     * @param args the strings
     * @return the reply
     * @throws IOException when sending fails
     */
    public XsMessage request(XsdSockmsgType type, int txId, String... args) throws IOException {
        return request(type.code(), txId, nulTerminated(args));
    }

    /**
     * The strings as bytes, each followed by a NUL.
     *
     * @param args the strings (ISO-8859-1)
     * @return the bytes
     */
    public static byte[] nulTerminated(String... args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            sb.append(a).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The next watch event, or {@code null} when none arrives within {@code wait}.
     *
     * @param wait how long to wait
     * @return the event, or {@code null}
     */
    public XsMessage nextEvent(Duration wait) {
        try {
            XsMessage m = events.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (m == CLOSED) {
                events.add(CLOSED);
                return null;
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Every watch event that arrives within {@code wait}.
     *
     * @param wait how long to collect
     * @return the events, as "path|token" strings in arrival order
     */
    public List<String> drainEvents(Duration wait) {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            XsMessage m = nextEvent(Duration.ofNanos(left));
            if (m == null) {
                break;
            }
            out.add(String.join("|", m.strings()));
        }
        return out;
    }

    /**
     * Whether the daemon closed this connection (end of stream or an error on read).
     *
     * @return true once the reader saw the end
     */
    public boolean closedByPeer() {
        return closedByPeer;
    }

    /**
     * Waits until the daemon closes the connection.
     *
     * @param wait the longest wait
     * @return true when it was closed within the wait
     */
    public boolean awaitClosedByPeer(Duration wait) {
        try {
            reader.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return closedByPeer;
    }

    @Override
    public void close() {
        closing = true;
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
