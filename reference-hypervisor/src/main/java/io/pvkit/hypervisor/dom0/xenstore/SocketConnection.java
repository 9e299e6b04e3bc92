package io.pvkit.hypervisor.dom0.xenstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A tools connection on the Unix domain socket, acting as domain 0 (C xenstored's socket connections are
 * privileged). A reader thread frames requests (a {@code len} above the payload limit closes the
 * connection, as C xenstored does) and stops reading while too many replies wait; a writer thread drains
 * the output queue, so a client that never reads cannot block the store.
 */
final class SocketConnection extends Connection {
    private final SocketChannel channel;
    private final XenstoreSocketServer server;
    private final Object signal = new Object();

    SocketConnection(Xenstored daemon, XenstoreSocketServer server, SocketChannel channel) {
        super(daemon, new Caller(0, true));
        this.server = server;
        this.channel = channel;
    }

    void start() {
        Thread.ofVirtual().name("xenstored-socket-reader").start(this::readLoop);
        Thread.ofVirtual().name("xenstored-socket-writer").start(this::writeLoop);
    }

    private void readLoop() {
        try {
            ByteBuffer header = ByteBuffer.allocate(XsMessage.HEADER);
            while (!closed) {
                header.clear();
                if (!readFully(header)) {
                    break;
                }
                long len = XsMessage.length(header.array());
                if (len > daemon.limits().maxPayload()) {
                    break; // cannot resynchronise: drop the connection
                }
                ByteBuffer payload = ByteBuffer.allocate((int) len);
                if (!readFully(payload)) {
                    break;
                }
                daemon.handle(this, XsMessage.of(header.array().clone(), payload.array()));
                synchronized (signal) {
                    while (tooManyOutstanding() && !closed) {
                        signal.wait();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        } finally {
            shutdown();
        }
    }

    private void writeLoop() {
        try {
            while (!closed) {
                byte[] frame = nextOutput();
                if (frame == null) {
                    synchronized (signal) {
                        while (!hasOutput() && !closed) {
                            signal.wait();
                        }
                    }
                    continue;
                }
                ByteBuffer b = ByteBuffer.wrap(frame);
                while (b.hasRemaining()) {
                    channel.write(b);
                }
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        } finally {
            shutdown();
        }
    }

    private boolean readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    void shutdown() {
        daemon.close(this);
        server.forget(this);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        wake();
    }
}
