package io.pvkit.process;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.spi.IdleStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The hypervisor's door for guest processes: a Unix socket where a guest connects, says what it wants
 * ({@code struct pvkit_hello}), and gets a domain ({@code struct pvkit_welcome} with the guest-memory memfd
 * and the mailbox-page memfd), which a {@link GuestSession} then serves until the guest goes away.
 *
 * <p>Per connection, on its own thread: wait at most {@value #HELLO_TIMEOUT_MILLIS} ms for the 64-byte hello
 * (UNTRUSTED: magic, version, vCPU count and frames checked; a bad hello gets {@code status = -EINVAL} and the
 * connection closes), ask the {@link GuestHost} to {@link GuestHost#admit admit} it, format a sealed mailbox
 * page, send the welcome with both descriptors, then start the session.
 *
 * {@snippet :
 * GuestListener door = GuestListener.open(Path.of("/run/pvkit/guests.sock"), new GuestHost() {
 *     public Admission admit(GuestRequest r) {
 *         SealedGuestMemory mem = SealedGuestMemory.create("dom" + nextId, r.frames());
 *         // build the domain in mem.memory(): start info, shared info, grant table, xenstore page ...
 *         return new Admission(nextId++, false, mem, r.vcpus(), startInfoGpa, hypervisor);
 *     }
 *     public void guestGone(GuestSession s, String reason) {
 *         // destroy domain s.domid(): release ports, grants, xenstore nodes, wake its blocked vCPUs
 *         // (the session unmaps the memory afterwards)
 *     }
 * });
 * }
 */
public final class GuestListener implements AutoCloseable {
    /** How long a connected guest has to send its hello. */
    public static final int HELLO_TIMEOUT_MILLIS = 5000;

    private final UnixSocket listening;
    private final GuestHost host;
    private final Supplier<IdleStrategy> idle;
    private final List<GuestSession> sessions = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private GuestListener(UnixSocket listening, GuestHost host, Supplier<IdleStrategy> idle) {
        this.listening = listening;
        this.host = host;
        this.idle = idle;
        this.acceptor = Thread.ofPlatform().daemon().name("pvkit-guest-listener").unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code socket} (which must not exist) with the default idle strategy
     * ({@link MailboxHypercalls#defaultIdle()}) for the mailbox servers.
     *
     * @param socket the socket path
     * @param host builds and destroys the domains
     * @return the running listener
     */
    public static GuestListener open(Path socket, GuestHost host) {
        return open(socket, host, MailboxHypercalls::defaultIdle);
    }

    /**
     * Listens on {@code socket} (which must not exist).
     *
     * @param socket the socket path
     * @param host builds and destroys the domains
     * @param idle makes the idle strategy of each mailbox server
     * @return the running listener
     */
    public static GuestListener open(Path socket, GuestHost host, Supplier<IdleStrategy> idle) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(idle, "idle");
        GuestListener l = new GuestListener(UnixSocket.listen(socket), host, idle);
        l.acceptor.start();
        return l;
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocket conn;
            try {
                conn = listening.accept();
            } catch (RuntimeException e) {
                return;   // shut down
            }
            Thread.ofPlatform().daemon().name("pvkit-guest-handshake").start(() -> handshake(conn));
        }
    }

    private void handshake(UnixSocket conn) {
        GuestRequest request;
        try {
            request = readHello(conn);
        } catch (RuntimeException e) {
            refuse(conn, XenErrno.EINVAL.negated());
            return;
        }
        SealedGuestMemory mailbox;
        try {
            mailbox = SealedGuestMemory.create("pvkit-mailbox", 1);
        } catch (RuntimeException e) {
            refuse(conn, XenErrno.ENOMEM.negated());
            return;
        }
        Admission admission = null;
        try {
            admission = host.admit(request);
            if (admission == null || admission.vcpus() > request.vcpus()) {
                throw new IllegalStateException("bad admission");
            }
        } catch (RuntimeException e) {
            if (admission != null) {
                admission.memory().close();
            }
            mailbox.close();
            refuse(conn, XenErrno.EINVAL.negated());
            return;
        }
        MailboxServer.format(mailbox.memory(), admission.domid(), admission.vcpus());
        GuestSession session = new GuestSession(admission, conn, mailbox, host, idle);
        try {
            host.sessionStarted(session);
            // listed before the guest can see its welcome
            sessions.add(session);
            conn.send(welcome(0, admission, mailbox), admission.memory().fd(), mailbox.fd());
        } catch (RuntimeException e) {
            // the host gave up or the guest vanished during the handshake: the host still destroys what it built
            sessions.remove(session);
            session.abandon("handshake failed: " + e.getMessage());
            return;
        }
        session.start();
    }

    private static GuestRequest readHello(UnixSocket conn) {
        byte[] hello = new byte[(int) SessionHelloLayout.SIZE];
        long deadline = System.nanoTime() + HELLO_TIMEOUT_MILLIS * 1_000_000L;
        int got = 0;
        while (got < hello.length) {
            // UNTRUSTED: a guest that trickles its hello (or sends none) still gets HELLO_TIMEOUT_MILLIS in total
            int left = (int) ((deadline - System.nanoTime()) / 1_000_000L);
            if (left <= 0 || !conn.awaitReadable(left)) {
                throw new IllegalStateException("no hello within " + HELLO_TIMEOUT_MILLIS + " ms");
            }
            UnixSocket.Received r = conn.receive(hello, got, hello.length - got, 0);   // descriptors refused
            if (r.endOfStream()) {
                throw new IllegalStateException("end of stream in the hello");
            }
            got += r.bytes();
        }
        MemorySegment h = MemorySegment.ofArray(hello);
        // UNTRUSTED: the hello is a private copy; each field read once and range-checked by GuestRequest
        int magic = h.get(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.MAGIC_OFFSET);
        int version = h.get(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VERSION_OFFSET);
        int vcpus = h.get(ValueLayout.JAVA_INT_UNALIGNED, SessionHelloLayout.VCPUS_OFFSET);
        long frames = h.get(ValueLayout.JAVA_LONG_UNALIGNED, SessionHelloLayout.FRAMES_OFFSET);
        if (magic != SessionHelloLayout.MAGIC || version != MailboxLayout.VERSION) {
            throw new IllegalArgumentException("bad hello");
        }
        int nameLength = 0;
        while (nameLength < SessionHelloLayout.NAME_BYTES && hello[(int) SessionHelloLayout.NAME_OFFSET + nameLength] != 0) {
            nameLength++;
        }
        String name = new String(hello, (int) SessionHelloLayout.NAME_OFFSET, nameLength, StandardCharsets.UTF_8);
        return new GuestRequest(vcpus, frames, name);
    }

    private static byte[] welcome(int status, Admission a, SealedGuestMemory mailbox) {
        byte[] w = new byte[(int) SessionWelcomeLayout.SIZE];
        MemorySegment s = MemorySegment.ofArray(w);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.MAGIC_OFFSET, SessionWelcomeLayout.MAGIC);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.VERSION_OFFSET, MailboxLayout.VERSION);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.STATUS_OFFSET, status);
        if (a != null) {
            s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.DOMID_OFFSET, a.domid());
            s.set(ValueLayout.JAVA_INT_UNALIGNED, SessionWelcomeLayout.VCPUS_OFFSET, a.vcpus());
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.FRAMES_OFFSET, a.memory().frames());
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.START_INFO_GPA_OFFSET, a.startInfoGpa());
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, SessionWelcomeLayout.MAILBOX_BYTES_OFFSET, mailbox.frames() * 4096);
        }
        return w;
    }

    private static void refuse(UnixSocket conn, long status) {
        try {
            conn.send(welcome((int) status, null, null));
        } catch (RuntimeException ignored) {
            // the guest is gone already
        }
        conn.close();
    }

    /**
     * The sessions started so far (ended ones included).
     *
     * @return a snapshot
     */
    public List<GuestSession> sessions() {
        return List.copyOf(sessions);
    }

    /** Stops accepting guests; running sessions continue (close them one by one). */
    @Override
    public void close() {
        closed = true;
        listening.shutdown();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listening.close();
    }

}
