package io.pvkit.hypervisor.dom0.xenstore;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * xenstored's tools socket: a Unix domain socket (JDK {@link UnixDomainSocketAddress}, no native code) on
 * which every connection speaks {@code xs_wire} as domain 0. Debian's {@code xenstore-utils} use it with
 * {@code XENSTORED_PATH=<path>}. One accept thread; two virtual threads per connection.
 */
public final class XenstoreSocketServer implements AutoCloseable {
    private final Xenstored daemon;
    private final Path path;
    private final ServerSocketChannel server;
    private final Set<SocketConnection> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private XenstoreSocketServer(Xenstored daemon, Path path, ServerSocketChannel server) {
        this.daemon = daemon;
        this.path = path;
        this.server = server;
    }

    static XenstoreSocketServer start(Xenstored daemon, Path path) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        XenstoreSocketServer srv = new XenstoreSocketServer(daemon, path, s);
        Thread.ofPlatform().name("xenstored-accept").daemon(true).start(srv::acceptLoop);
        return srv;
    }

    /**
     * The socket's path.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Open client connections.
     *
     * @return the count
     */
    public int connections() {
        return clients.size();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                SocketConnection c = new SocketConnection(daemon, this, ch);
                clients.add(c);
                daemon.register(c);
                c.start();
            } catch (IOException e) {
                if (!closed) {
                    System.getLogger("io.pvkit.hypervisor.xenstored").log(System.Logger.Level.WARNING,
                            "xenstored socket accept failed", e);
                }
                return;
            }
        }
    }

    void forget(SocketConnection c) {
        clients.remove(c);
    }

    /** Stops accepting, closes every client and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (SocketConnection c : clients) {
            c.shutdown();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
