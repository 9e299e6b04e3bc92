package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XenbusState;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The driver domain's end of a xenbus device (Linux's {@code xenbus_probe_backend} plus a driver such as
 * blkback): the backend directory {@code /local/domain/<backend>/backend/<type>/<guest>/<id>} names the
 * frontend ({@link XenbusKeys#FRONTEND}, {@link XenbusKeys#FRONTEND_ID}).
 *
 * <p>Handshake ({@link #connect}): {@link XenbusState#INIT_WAIT}; wait for the frontend's
 * {@link XenbusState#INITIALISED} (or Connected); run the connector (read the frontend's keys with
 * {@link #readOtherEndInt}, bind its event channel, map its ring); {@link XenbusState#CONNECTED}.
 *
 * <p>Following the frontend ({@link #followOtherEnd()}): once this end is past Initialising, a frontend
 * that goes Closing takes this end to Closing, and a frontend that goes Closed (or whose state node
 * disappears after it was seen) takes it to Closed (Linux's blkback {@code frontend_changed}). {@link #disconnect} closes
 * from this side: Closing, wait for the frontend's Closed, Closed.
 */
public final class BackendDevice extends XenbusDevice {
    private static final Set<XenbusState> FRONTEND_PUBLISHED = EnumSet.of(XenbusState.INITIALISED,
            XenbusState.CONNECTED, XenbusState.CLOSING, XenbusState.CLOSED);

    private BackendDevice(XenbusClient client, String path) {
        super(client, path, XenbusKeys.FRONTEND, XenbusKeys.FRONTEND_ID);
    }

    /**
     * Opens a backend directory: reads and validates {@code frontend} and {@code frontend-id}, and watches
     * the frontend's {@code state}.
     *
     * @param client the driver domain's client
     * @param backendPath the backend directory (absolute)
     * @return the device
     * @throws XenstoreErrorException {@code ENOENT} when the directory or its keys are missing
     * @throws XenbusHandshakeException when the keys are malformed
     */
    public static BackendDevice open(XenbusClient client, String backendPath) {
        BackendDevice d = new BackendDevice(client, backendPath);
        d.start();
        return d;
    }

    /**
     * The frontend directory.
     *
     * @return its absolute path
     */
    public String frontendPath() {
        return otherEndPath();
    }

    /**
     * The frontend's domain.
     *
     * @return its domain id
     */
    public int frontendId() {
        return otherEndId();
    }

    /**
     * Walks the backend's half of the handshake.
     *
     * @param timeout how long the wait for the frontend may take
     * @param connector reads the frontend's keys and connects (binds, maps); an exception from it leaves
     *     this end in InitWait and propagates
     * @throws XenbusHandshakeException when the frontend does not publish in time or closes instead
     */
    public void connect(Duration timeout, Consumer<BackendDevice> connector) {
        Objects.requireNonNull(connector, "connector");
        switchState(XenbusState.INIT_WAIT);
        XenbusState frontend = awaitOtherEnd(FRONTEND_PUBLISHED, timeout);
        if (frontend != XenbusState.INITIALISED && frontend != XenbusState.CONNECTED) {
            followOtherEnd();
            throw new XenbusHandshakeException("frontend " + frontendPath() + " went " + frontend
                    + " instead of Initialised", frontend);
        }
        connector.accept(this);
        switchState(XenbusState.CONNECTED);
    }

    /**
     * Closes from this side: Closing, wait (at most {@code timeout}) for the frontend's Closed, Closed.
     *
     * @param timeout how long the wait may take
     * @return true when the frontend reached Closed (or removed its state) in time
     */
    public boolean disconnect(Duration timeout) {
        boolean reached = true;
        if (ownState() != XenbusState.CLOSED) {
            switchState(XenbusState.CLOSING);
            try {
                awaitOtherEnd(CLOSED_OR_GONE, timeout);
            } catch (XenbusHandshakeException e) {
                reached = false;
            }
            switchState(XenbusState.CLOSED);
        }
        return reached;
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
        if (own == XenbusState.UNKNOWN || own == XenbusState.INITIALISING || own == XenbusState.CLOSED) {
            return;
        }
        XenbusState frontend;
        try {
            frontend = otherEndState();
        } catch (XenbusHandshakeException e) {
            return;
        }
        if (frontend == XenbusState.CLOSING) {
            switchState(XenbusState.CLOSING);
        } else if (frontend == XenbusState.CLOSED || frontend == XenbusState.UNKNOWN && otherEndSeen()) {
            switchState(XenbusState.CLOSING);
            switchState(XenbusState.CLOSED);
        }
    }
}
