package io.pvkit.abi.xenstore;

import java.util.Optional;

/**
 * Xenbus device states ({@code enum xenbus_state} in {@code xen/io/xenbus.h}), stored in xenstore as
 * decimal strings under each end's {@code state} node.
 */
public enum XenbusState {
    /** {@code XenbusStateUnknown} (0): also what a missing node reads as. */
    UNKNOWN(0),
    /** {@code XenbusStateInitialising} (1): starting up. */
    INITIALISING(1),
    /** {@code XenbusStateInitWait} (2): early init done; waiting for peer information or hotplug. */
    INIT_WAIT(2),
    /** {@code XenbusStateInitialised} (3): waiting for the peer to connect. */
    INITIALISED(3),
    /** {@code XenbusStateConnected} (4): operational. */
    CONNECTED(4),
    /** {@code XenbusStateClosing} (5): the device is being closed. */
    CLOSING(5),
    /** {@code XenbusStateClosed} (6): closed. */
    CLOSED(6),
    /** {@code XenbusStateReconfiguring} (7): reconfiguring. */
    RECONFIGURING(7),
    /** {@code XenbusStateReconfigured} (8): reconfigured. */
    RECONFIGURED(8);

    private final int code;

    XenbusState(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code XenbusState<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<XenbusState> of(long code) {
        for (XenbusState v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses the decimal string stored in a {@code state} node.
     *
     * @param text the node's value (untrusted); {@code null} for a missing node
     * @return the state; {@link #UNKNOWN} for a missing node, empty for anything that is not a state
     */
    public static Optional<XenbusState> parse(String text) {
        if (text == null) {
            return Optional.of(UNKNOWN);
        }
        if (text.isEmpty() || text.length() > 2) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return of(Integer.parseInt(text));
    }
}
