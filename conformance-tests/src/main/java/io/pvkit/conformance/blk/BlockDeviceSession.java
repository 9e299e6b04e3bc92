package io.pvkit.conformance.blk;

import java.util.Map;

/**
 * One virtual block device of the backend under test, from the toolstack's and the frontend's side: the
 * backend's published keys, the frontend's connect, and the close.
 *
 * <p>Keys are the node names relative to the device's directory, exactly as blkif.h names them
 * ({@code sectors}, {@code max-ring-page-order}, {@code ring-ref0}, {@code queue-1/event-channel} ...), with
 * their values as strings. The backend must treat every frontend key as hostile.
 */
public interface BlockDeviceSession extends AutoCloseable {

    /** The xenbus state Connected (4). */
    int STATE_CONNECTED = 4;
    /** The xenbus state Closed (6). */
    int STATE_CLOSED = 6;

    /**
     * The domain the backend runs in: the kit grants the frontend's pages to it and allocates the event
     * channels for it.
     *
     * @return the backend domain id
     */
    int backendDomid();

    /**
     * What the backend had published in its directory when it reached InitWait (state 2).
     *
     * @return key to value, unmodifiable
     */
    Map<String, String> backendKeys();

    /**
     * Hands the backend the frontend's keys (as written under {@code device/vbd/<devid>} in one transaction,
     * followed by state Initialised = 3) and waits, bounded, until the backend is Connected (4) or Closed (6).
     * A backend that refuses the keys must answer {@link #STATE_CLOSED} with its error message; this method
     * must not throw for anything the frontend wrote.
     *
     * @param frontendKeys the frontend's keys, e.g. {@code ring-ref}, {@code event-channel},
     *     {@code protocol = x86_64-abi}
     * @return the backend's state after the handshake, its error text and its keys at that moment
     */
    ConnectResult connect(Map<String, String> frontendKeys);

    /**
     * The frontend switches to Closing (5): returns once the backend has stopped serving this device, released
     * every mapping of the frontend's pages and reached Closed (6), or throws when that did not happen within
     * a few seconds. Idempotent. Also called after the frontend domain was destroyed with requests in flight
     * (BLK-21): the toolstack then tears the device down, and the backend must still end every mapping of the
     * dead domain's pages.
     */
    @Override
    void close();

    /**
     * The backend's answer to {@link #connect}.
     *
     * @param state the backend's xenbus state: {@link #STATE_CONNECTED}, or {@link #STATE_CLOSED} when refused
     * @param error the backend's {@code error} node text when refused (may be empty), empty when connected
     * @param backendKeys the backend's keys at that moment (a backend may rewrite {@code sectors} at connect)
     */
    record ConnectResult(int state, String error, Map<String, String> backendKeys) {

        /**
         * Validates and copies the components.
         *
         * @param state the state
         * @param error the error text
         * @param backendKeys the keys
         */
        public ConnectResult {
            java.util.Objects.requireNonNull(error, "error");
            backendKeys = Map.copyOf(backendKeys);
        }

        /**
         * A connected device.
         *
         * @param backendKeys the backend's keys
         * @return the result
         */
        public static ConnectResult connected(Map<String, String> backendKeys) {
            return new ConnectResult(STATE_CONNECTED, "", backendKeys);
        }

        /**
         * A refused device.
         *
         * @param error the backend's error text
         * @param backendKeys the backend's keys
         * @return the result
         */
        public static ConnectResult closed(String error, Map<String, String> backendKeys) {
            return new ConnectResult(STATE_CLOSED, error, backendKeys);
        }

        /**
         * Whether the backend connected.
         *
         * @return true for {@link #STATE_CONNECTED}
         */
        public boolean connected() {
            return state == STATE_CONNECTED;
        }
    }
}
