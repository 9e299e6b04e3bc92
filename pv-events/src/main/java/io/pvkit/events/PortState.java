package io.pvkit.events;

/**
 * The state of an event-channel port, with its {@code EVTCHNSTAT_*} code from Xen
 * {@code event_channel.h} (as returned by {@code EVTCHNOP_status}).
 *
 * <p>Xen's internal {@code ECS_FREE} and {@code ECS_RESERVED} (port 0) both report as {@link #CLOSED}.
 */
public enum PortState {
    /** {@code EVTCHNSTAT_closed} (0): free, or the reserved port 0. */
    CLOSED(0),
    /** {@code EVTCHNSTAT_unbound} (1): allocated and waiting for the named remote domain to bind. */
    UNBOUND(1),
    /** {@code EVTCHNSTAT_interdomain} (2): connected to a port of a (possibly the same) domain. */
    INTERDOMAIN(2),
    /** {@code EVTCHNSTAT_pirq} (3): bound to a physical IRQ (never created by pv-events). */
    PIRQ(3),
    /** {@code EVTCHNSTAT_virq} (4): bound to a virtual IRQ of a vCPU. */
    VIRQ(4),
    /** {@code EVTCHNSTAT_ipi} (5): an inter-processor interrupt within the domain. */
    IPI(5);

    private final int status;

    PortState(int status) {
        this.status = status;
    }

    /**
     * The {@code EVTCHNSTAT_*} value.
     *
     * @return the status code, 0..5
     */
    public int status() {
        return status;
    }

    /**
     * The state with an {@code EVTCHNSTAT_*} value.
     *
     * @param status a status code
     * @return the state
     * @throws IllegalArgumentException when the code is not 0..5
     */
    public static PortState ofStatus(int status) {
        if (status < 0 || status > 5) {
            throw new IllegalArgumentException("no EVTCHNSTAT value " + status);
        }
        return values()[status];
    }
}
