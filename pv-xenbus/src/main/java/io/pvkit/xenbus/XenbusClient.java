package io.pvkit.xenbus;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.xenstore.XsError;
import io.pvkit.rings.spi.Notifier;
import io.pvkit.xenbus.spi.StoreWaiter;
import io.pvkit.xenbus.spi.XsTransport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A xenstore client: the {@code xs_wire} protocol ({@code xen/io/xs_wire.h}, Xen's docs/misc/xenstore.txt)
 * over the guest's xenstore ring page or a Unix domain socket, with request/reply correlation by
 * {@code req_id}, watches with callbacks, and transactions retried on {@code EAGAIN}.
 *
 * {@snippet :
 * try (XenbusClient xs = XenbusClient.overSocket(Path.of("/run/xenstored/socket"))) {
 *     xs.write("/local/domain/0/name", "Domain-0");
 *     List<String> domains = xs.directory("/local/domain");
 *     try (XenbusWatch w = xs.watch("/local/domain/1/device", e -> System.out.println(e.path()))) {
 *         xs.transaction(tx -> {
 *             tx.write("/local/domain/1/device/vbd/0/state", "1");
 *             return null;
 *         });
 *     }
 * }
 * }
 *
 * <p>Threading: every method may be called from any thread; requests from several threads are in flight
 * at once, each matched to its reply by {@code req_id}. Watch listeners run where {@link EventDispatch}
 * says: on the caller's loop ({@link #dispatchEvents()}, {@link #awaitEvents(Duration)}) or on a dedicated
 * thread.
 *
 * <p>Trust: xenstored is a peer; every reply is validated (see {@link XenbusException}). A protocol
 * violation, a transport failure or a request timeout breaks the client for good: close it and connect
 * again.
 */
public final class XenbusClient implements XenstoreOps, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(XenbusClient.class.getName());

    /**
     * How a client behaves.
     *
     * @param requestTimeout how long a request waits for its reply before the connection is declared dead
     * @param dispatch where watch listeners run
     * @param transactionAttempts how many times {@link #transaction(TransactionBody)} tries before it
     *     gives up with {@code EAGAIN}, at least 1
     */
    public record Options(Duration requestTimeout, EventDispatch dispatch, int transactionAttempts) {
        /**
         * Validates the options.
         *
         * @param requestTimeout positive
         * @param dispatch not null
         * @param transactionAttempts at least 1
         */
        public Options {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(dispatch, "dispatch");
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
            }
            if (transactionAttempts < 1) {
                throw new IllegalArgumentException("transactionAttempts must be at least 1: " + transactionAttempts);
            }
        }

        /**
         * The defaults for a dispatch mode: a 30 s request timeout and 64 transaction attempts.
         *
         * @param dispatch where watch listeners run
         * @return the options
         */
        public static Options defaults(EventDispatch dispatch) {
            return new Options(Duration.ofSeconds(30), dispatch, 64);
        }

        /**
         * The same options with another request timeout.
         *
         * @param timeout positive
         * @return new options
         */
        public Options withRequestTimeout(Duration timeout) {
            return new Options(timeout, dispatch, transactionAttempts);
        }
    }

    private final XsConnection conn;
    private final XsRequests requests;
    private final Options options;
    private final Map<String, Registration> watches = new ConcurrentHashMap<>();
    private final AtomicLong nextToken = new AtomicLong(1);
    private final ReentrantLock dispatchLock = new ReentrantLock();
    private final Thread eventThread;
    private volatile boolean closed;

    private final class Registration implements XenbusWatch {
        private final String path;
        private final String token;
        private final WatchListener listener;
        private volatile boolean active = true;

        Registration(String path, String token, WatchListener listener) {
            this.path = path;
            this.token = token;
            this.listener = listener;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String token() {
            return token;
        }

        @Override
        public void close() {
            unwatch(this);
        }

        @Override
        public String toString() {
            return "XenbusWatch[" + path + ", " + token + (active ? "]" : ", closed]");
        }
    }

    private XenbusClient(XsTransport transport, Options options) {
        this.options = Objects.requireNonNull(options, "options");
        this.conn = new XsConnection(Objects.requireNonNull(transport, "transport"));
        this.requests = new XsRequests(conn, options.requestTimeout().toNanos());
        if (options.dispatch() == EventDispatch.THREAD) {
            eventThread = Thread.ofPlatform().name("xenbus-events").daemon().unstarted(this::eventLoop);
            eventThread.start();
        } else {
            eventThread = null;
        }
    }

    /**
     * A client over any transport.
     *
     * @param transport the byte stream to xenstored (the client closes it)
     * @param options timeouts and dispatch
     * @return the client
     */
    public static XenbusClient over(XsTransport transport, Options options) {
        return new XenbusClient(transport, options);
    }

    /**
     * A guest's client over its xenstore ring page ({@code xenstore_domain_interface} at the frame of
     * {@code HVM_PARAM_STORE_PFN}), with {@link EventDispatch#CALLER} and the default options.
     *
     * @param page the ring page (at least 2076 bytes)
     * @param notifier notifies xenstored (the guest: {@code EVTCHNOP_send} on the store port)
     * @param waiter sleeps until the store port fires (the guest: {@code SCHEDOP_block})
     * @return the client
     */
    public static XenbusClient overRing(MemoryAccess page, Notifier notifier, StoreWaiter waiter) {
        return overRing(page, notifier, waiter, Options.defaults(EventDispatch.CALLER));
    }

    /**
     * A client over a xenstore ring page.
     *
     * @param page the ring page (at least 2076 bytes)
     * @param notifier notifies xenstored
     * @param waiter sleeps until xenstored may have notified
     * @param options timeouts and dispatch
     * @return the client
     */
    public static XenbusClient overRing(MemoryAccess page, Notifier notifier, StoreWaiter waiter, Options options) {
        return new XenbusClient(RingTransport.attach(page, notifier, waiter), options);
    }

    /**
     * A client over xenstored's Unix domain socket (it acts as the socket's domain, domain 0 for
     * xenstored), with {@link EventDispatch#THREAD} and the default options.
     *
     * @param socket the socket's path
     * @return the connected client
     * @throws IOException when the connection fails
     */
    public static XenbusClient overSocket(Path socket) throws IOException {
        return overSocket(socket, Options.defaults(EventDispatch.THREAD));
    }

    /**
     * A client over xenstored's Unix domain socket.
     *
     * @param socket the socket's path
     * @param options timeouts and dispatch
     * @return the connected client
     * @throws IOException when the connection fails
     */
    public static XenbusClient overSocket(Path socket, Options options) throws IOException {
        return new XenbusClient(SocketTransport.connect(socket), options);
    }

    /**
     * The options the client runs with.
     *
     * @return the options
     */
    public Options options() {
        return options;
    }

    // ------------------------------------------------------------------ node operations (transaction 0)

    @Override
    public String read(String path) {
        return requests.read(0, path);
    }

    @Override
    public Optional<String> tryRead(String path) {
        return requests.tryRead(0, path);
    }

    @Override
    public byte[] readBytes(String path) {
        return requests.readBytes(0, path);
    }

    @Override
    public void write(String path, String value) {
        requests.write(0, path, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void write(String path, byte[] value) {
        requests.write(0, path, value.clone());
    }

    @Override
    public void mkdir(String path) {
        requests.mkdir(0, path);
    }

    @Override
    public void rm(String path) {
        requests.rm(0, path);
    }

    @Override
    public List<String> directory(String path) {
        return requests.directory(0, path);
    }

    @Override
    public List<XsPermission> getPerms(String path) {
        return requests.getPerms(0, path);
    }

    @Override
    public void setPerms(String path, List<XsPermission> perms) {
        requests.setPerms(0, path, perms);
    }

    /**
     * {@code XS_GET_DOMAIN_PATH}: a domain's home.
     *
     * @param domid the domain
     * @return its home, e.g. {@code /local/domain/5}
     */
    public String getDomainPath(int domid) {
        return requests.getDomainPath(domid);
    }

    // ------------------------------------------------------------------ transactions

    /**
     * Starts a transaction ({@code XS_TRANSACTION_START}); end it with commit or abort.
     *
     * @return the open transaction
     */
    public XenbusTransaction startTransaction() {
        return new XenbusTransaction(requests, requests.transactionStart());
    }

    /**
     * Runs {@code body} in a transaction and commits it, starting over (a new transaction, {@code body}
     * again) when the commit or an operation inside answers {@code EAGAIN}, up to
     * {@link Options#transactionAttempts()} times. Any other exception aborts the transaction and
     * propagates.
     *
     * @param body the work; it must not commit or abort the transaction itself
     * @param <T> the result
     * @return what the committed attempt of {@code body} returned
     * @throws XenstoreErrorException {@code EAGAIN} when every attempt conflicted
     */
    public <T> T transaction(TransactionBody<T> body) {
        Objects.requireNonNull(body, "body");
        for (int attempt = 1; ; attempt++) {
            XenbusTransaction tx = startTransaction();
            T result;
            try {
                result = body.run(tx);
            } catch (XenstoreErrorException e) {
                abortQuietly(tx, e);
                if (e.error() == XsError.EAGAIN && attempt < options.transactionAttempts()) {
                    continue;
                }
                throw e;
            } catch (RuntimeException | Error e) {
                abortQuietly(tx, e);
                throw e;
            }
            if (tx.ended()) {
                throw new IllegalStateException("a transaction body must not commit or abort its transaction");
            }
            if (tx.commit()) {
                return result;
            }
            if (attempt >= options.transactionAttempts()) {
                throw new XenstoreErrorException(XsError.EAGAIN, "transaction still conflicting after " + attempt
                        + " attempts");
            }
        }
    }

    private void abortQuietly(XenbusTransaction tx, Throwable cause) {
        if (tx.ended() || conn.failure() != null) {
            return;
        }
        try {
            tx.abort();
        } catch (XenbusException e) {
            cause.addSuppressed(e);
        }
    }

    // ------------------------------------------------------------------ watches

    /**
     * Registers a watch ({@code XS_WATCH}) on {@code path} and everything below it. xenstored fires it
     * once right away (Xen's behaviour), then on every change; the listener runs as {@link EventDispatch}
     * says.
     *
     * @param path the path (absolute, or relative to the home; or {@code @introduceDomain} /
     *     {@code @releaseDomain})
     * @param listener what runs on each event
     * @return the watch; close it to unwatch
     */
    public XenbusWatch watch(String path, WatchListener listener) {
        Objects.requireNonNull(listener, "listener");
        XsRequests.checkPath(path);
        String token = "pvkit-" + nextToken.getAndIncrement();
        Registration r = new Registration(path, token, listener);
        // registered before XS_WATCH goes out: the event fired at registration may overtake the reply
        watches.put(token, r);
        try {
            requests.watch(path, token);
        } catch (RuntimeException e) {
            watches.remove(token);
            r.active = false;
            throw e;
        }
        return r;
    }

    /**
     * Removes a watch ({@code XS_UNWATCH}); idempotent. On a broken or closed client only the listener is
     * forgotten.
     *
     * @param watch a watch of this client
     */
    public void unwatch(XenbusWatch watch) {
        if (!(watch instanceof Registration r) || watches.get(r.token) != r) {
            return;
        }
        r.active = false;
        watches.remove(r.token);
        if (!closed && conn.failure() == null) {
            requests.unwatch(r.path, r.token);
        }
    }

    /**
     * Runs the listeners of the watch events queued so far, on the calling thread, oldest first, without
     * reading the transport. Events of watches closed meanwhile, or with a token this client never chose,
     * are dropped. When a listener throws, the remaining events are still dispatched and the first
     * exception is then rethrown.
     *
     * @return the number of listeners run
     */
    public int dispatchEvents() {
        dispatchLock.lock();
        try {
            RuntimeException first = null;
            int n = 0;
            for (WatchEvent e : conn.drainEvents()) {
                Registration r = watches.get(e.token());
                if (r == null || !r.active) {
                    continue;
                }
                try {
                    n++;
                    r.listener.onEvent(e);
                } catch (RuntimeException ex) {
                    if (first == null) {
                        first = ex;
                    } else {
                        first.addSuppressed(ex);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return n;
        } finally {
            dispatchLock.unlock();
        }
    }

    /**
     * For {@link EventDispatch#CALLER}: reads the transport until at least one watch event is queued or
     * the timeout passes, then dispatches the queued events on the calling thread. A zero timeout only
     * reads what has arrived.
     *
     * @param timeout how long to wait at most
     * @return the number of listeners run
     * @throws IllegalStateException with {@link EventDispatch#THREAD}, whose thread dispatches
     */
    public int awaitEvents(Duration timeout) {
        if (eventThread != null) {
            throw new IllegalStateException("events are dispatched by the client's thread (EventDispatch.THREAD)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!conn.hasEvents()) {
            conn.pump(deadline);
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
        }
        return dispatchEvents();
    }

    /**
     * Watch events dropped because {@value XsConnection#MAX_QUEUED_EVENTS} distinct events were already
     * queued (a server flooding events, or a caller that does not dispatch).
     *
     * @return the count
     */
    public long droppedEvents() {
        return conn.droppedEvents();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Why the client is broken.
     *
     * @return the first failure (protocol violation, transport error, timeout, close), or null while usable
     */
    public XenbusException failure() {
        return conn.failure();
    }

    /**
     * Closes the transport and stops the event thread; requests in flight fail. Watches are not removed
     * on the server (closing the connection removes them there).
     */
    @Override
    public void close() {
        closed = true;
        conn.fail(new XenbusException("xenstore: client closed"));
        if (eventThread != null && Thread.currentThread() != eventThread) {
            try {
                eventThread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void eventLoop() {
        while (!closed && conn.failure() == null) {
            try {
                conn.pump(System.nanoTime() + 50_000_000L);
                dispatchEvents();
            } catch (RuntimeException e) {
                if (conn.failure() != null) {
                    if (!closed) {
                        LOG.log(System.Logger.Level.DEBUG, "xenstore event thread stops: {0}", e.getMessage());
                    }
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "a xenstore watch listener threw", e);
            }
        }
    }

    @Override
    public String toString() {
        XenbusException f = conn.failure();
        return "XenbusClient[" + options.dispatch() + ", watches=" + watches.size()
                + (f == null ? "]" : ", broken: " + f.getMessage() + "]");
    }
}
