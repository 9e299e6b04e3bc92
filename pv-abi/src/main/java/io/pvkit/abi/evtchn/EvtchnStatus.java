package io.pvkit.abi.evtchn;

import java.util.Optional;

/**
 * Port states ({@code EVTCHNSTAT_*} in {@code xen/event_channel.h}), as returned in
 * {@code evtchn_status.status}.
 */
public enum EvtchnStatus {
    /** {@code EVTCHNSTAT_closed} (0): the channel is not in use. */
    CLOSED(0),
    /** {@code EVTCHNSTAT_unbound} (1): waiting for an interdomain connection. */
    UNBOUND(1),
    /** {@code EVTCHNSTAT_interdomain} (2): connected to a remote domain. */
    INTERDOMAIN(2),
    /** {@code EVTCHNSTAT_pirq} (3): bound to a physical IRQ line. */
    PIRQ(3),
    /** {@code EVTCHNSTAT_virq} (4): bound to a virtual IRQ line. */
    VIRQ(4),
    /** {@code EVTCHNSTAT_ipi} (5): bound to a virtual IPI line. */
    IPI(5);

    private final int code;

    EvtchnStatus(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code EVTCHNSTAT_<name>}
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
    public static Optional<EvtchnStatus> of(long code) {
        for (EvtchnStatus v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
