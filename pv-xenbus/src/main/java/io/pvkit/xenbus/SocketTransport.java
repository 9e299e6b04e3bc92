package io.pvkit.xenbus;

import io.pvkit.xenbus.spi.XsTransport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The tools' transport: a connection to xenstored's Unix domain socket (JDK
 * {@link UnixDomainSocketAddress}, no native code), as libxenstore's {@code XENSTORED_PATH} uses it.
 * xenstored treats the connection as its socket's domain (domain 0 in pvkit and Xen).
 *
 * <p>The channel is non-blocking; reads and writes wait on one selector each, so a read and a write can
 * wait at the same time and both honour their deadline.
 */
public final class SocketTransport implements XsTransport {
    private final SocketChannel channel;
    private final Selector readSelector;
    private final Selector writeSelector;

    private SocketTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        channel.register(writeSelector, SelectionKey.OP_WRITE);
    }

    /**
     * Connects to a socket.
     *
     * @param socket the socket's path
     * @return the transport
     * @throws IOException when the connection fails
     */
    public static SocketTransport connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(Objects.requireNonNull(socket, "socket")));
            return new SocketTransport(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public int write(byte[] source, int offset, int length, long deadlineNanos) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(source, offset, length);
        while (buf.hasRemaining()) {
            if (channel.write(buf) > 0) {
                continue;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            writeSelector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            writeSelector.selectedKeys().clear();
        }
        return length - buf.remaining();
    }

    @Override
    public int read(byte[] destination, int offset, int length, long deadlineNanos) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(destination, offset, length);
        while (true) {
            int n = channel.read(buf);
            if (n != 0) {
                return n;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            readSelector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            readSelector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            readSelector.wakeup();
            writeSelector.wakeup();
            readSelector.close();
            writeSelector.close();
        }
    }
}
