package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XenbusState;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The guest's end of a xenbus device (Linux's {@code xenbus_probe_frontend} plus a driver such as
 * blkfront): the frontend directory {@code /local/domain/<guest>/device/<type>/<id>} names the backend
 * ({@link XenbusKeys#BACKEND}, {@link XenbusKeys#BACKEND_ID}).
 *
 * <p>Handshake ({@link #connect}): wait for the backend's {@link XenbusState#INIT_WAIT}; publish this
 * end's keys (ring references, event channel, protocol) and {@link XenbusState#INITIALISED} in one
 * transaction (retried on {@code EAGAIN}); wait for the backend's {@link XenbusState#CONNECTED}; switch to
 * {@link XenbusState#CONNECTED}. Shutdown ({@link #disconnect}): {@link XenbusState#CLOSING}, wait for
 * the backend to close, {@link XenbusState#CLOSED}.
 *
 * <p>Following the backend ({@link #followOtherEnd()}): once the handshake has started (this end is
 * Initialised or Connected), a backend that goes Closing or Closed takes this end through Closing to
 * Closed (Linux's {@code xenbus_frontend_closed}).
 *
 * {@snippet :
 * FrontendDevice dev = FrontendDevice.open(client, "/local/domain/1/device/pvkit-echo/0");
 * int port = allocateUnboundPortFor(dev.backendId());   // before the transaction: it may run twice
 * dev.connect(Duration.ofSeconds(10), tx -> tx.write(dev.key(XenbusKeys.EVENT_CHANNEL), Integer.toString(port)));
 * // ... use the device ...
 * dev.disconnect(Duration.ofSeconds(5));
 * dev.close();
 * }
 */
public final class FrontendDevice extends XenbusDevice {
    private static final Set<XenbusState> BACKEND_READY = EnumSet.of(XenbusState.INIT_WAIT, XenbusState.INITIALISED,
            XenbusState.CONNECTED, XenbusState.CLOSING, XenbusState.CLOSED);
    private static final Set<XenbusState> BACKEND_ANSWERED = EnumSet.of(XenbusState.CONNECTED, XenbusState.CLOSING,
            XenbusState.CLOSED, XenbusState.UNKNOWN);
    private static final Set<XenbusState> BACKEND_CLOSING = EnumSet.of(XenbusState.CLOSING, XenbusState.CLOSED,
            XenbusState.UNKNOWN);

    private volatile boolean closedByBackend;

    private FrontendDevice(XenbusClient client, String path) {
        super(client, path, XenbusKeys.BACKEND, XenbusKeys.BACKEND_ID);
    }

    /**
     * Opens a frontend directory: reads and validates {@code backend} and {@code backend-id}, and watches
     * the backend's {@code state}.
     *
     * @param client the guest's client
     * @param frontendPath the frontend directory (absolute)
     * @return the device
     * @throws XenstoreErrorException {@code ENOENT} when the directory or its keys are missing
     * @throws XenbusHandshakeException when the keys are malformed
     */
    public static FrontendDevice open(XenbusClient client, String frontendPath) {
        FrontendDevice d = new FrontendDevice(client, frontendPath);
        d.start();
        return d;
    }

    /**
     * The backend directory.
     *
     * @return its absolute path
     */
    public String backendPath() {
        return otherEndPath();
    }

    /**
     * The backend's domain.
     *
     * @return its domain id
     */
    public int backendId() {
        return otherEndId();
    }

    /**
     * Whether the backend closed the device (this end followed it to Closed).
     *
     * @return true once the backend went Closing or Closed after the handshake started
     */
    public boolean closedByBackend() {
        return closedByBackend;
    }

    /**
     * Walks the frontend's half of the handshake.
     *
     * @param timeout how long each wait for the backend may take
     * @param publish writes this end's keys in the transaction that also writes {@code state} = Initialised
     *     (it may run more than once; allocate ports and grants before)
     * @throws XenbusHandshakeException when the backend does not reach InitWait or Connected in time, or
     *     goes Closing/Closed instead
     */
    public void connect(Duration timeout, Consumer<XenbusTransaction> publish) {
        Objects.requireNonNull(publish, "publish");
        XenbusState backend = awaitOtherEnd(BACKEND_READY, timeout);
        if (backend == XenbusState.CLOSING || backend == XenbusState.CLOSED) {
            throw new XenbusHandshakeException("backend " + backendPath() + " is " + backend + " before the handshake",
                    backend);
        }
        transition().lock();
        try {
            client().transaction(tx -> {
                publish.accept(tx);
                tx.write(key(XenbusKeys.STATE), Integer.toString(XenbusState.INITIALISED.code()));
                return null;
            });
            stateWritten(XenbusState.INITIALISED);
        } finally {
            transition().unlock();
        }
        backend = awaitOtherEnd(BACKEND_ANSWERED, timeout);
        if (backend != XenbusState.CONNECTED) {
            followOtherEnd();
            throw new XenbusHandshakeException("backend " + backendPath() + " went " + backend + " instead of Connected",
                    backend);
        }
        switchState(XenbusState.CONNECTED);
    }

    /**
     * Closes this end: Closing, wait (at most {@code timeout}) for the backend to go Closing or Closed,
     * Closed, wait (at most {@code timeout} again) for the backend's Closed.
     *
     * @param timeout how long each wait may take
     * @return true when the backend reached Closed (or removed its state), false when it did not in time
     *     (this end is Closed either way)
     */
    public boolean disconnect(Duration timeout) {
        if (ownState() != XenbusState.CLOSED) {
            switchState(XenbusState.CLOSING);
            try {
                awaitOtherEnd(BACKEND_CLOSING, timeout);
            } catch (XenbusHandshakeException e) {
                // the backend did not answer Closing: close anyway, as Linux does on its timeout
            }
            switchState(XenbusState.CLOSED);
        }
        try {
            awaitOtherEnd(CLOSED_OR_GONE, timeout);
            return true;
        } catch (XenbusHandshakeException e) {
            return false;
        }
    }

    @Override
    public void followOtherEnd() {
        transition().lock();
        try {
            follow();
        } finally {
            transition().unlock();
        }
    }

    private void follow() {
        XenbusState own = ownState();
        if (own != XenbusState.INITIALISED && own != XenbusState.CONNECTED && own != XenbusState.CLOSING) {
            return;   // the handshake has not started, or this end is already Closed
        }
        XenbusState backend;
        try {
            backend = otherEndState();
        } catch (XenbusHandshakeException e) {
            return;   // a malformed state is not a close; the handshake's own wait reports it
        }
        if (backend == XenbusState.CLOSING || backend == XenbusState.CLOSED
                || backend == XenbusState.UNKNOWN && otherEndSeen()) {
            if (own != XenbusState.CLOSING) {
                closedByBackend = true;
            }
            switchState(XenbusState.CLOSING);
            switchState(XenbusState.CLOSED);
        }
    }
}
