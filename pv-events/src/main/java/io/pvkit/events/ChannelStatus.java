package io.pvkit.events;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;

import java.util.Optional;

/**
 * The answer of {@code EVTCHNOP_status} ({@code struct evtchn_status}'s OUT fields), or its error.
 *
 * @param status 0 on success, otherwise a negated {@link XenErrno} (the other components are then
 *     meaningless); {@link #error()} gives the enum
 * @param state the port's state
 * @param vcpu the vCPU the port notifies
 * @param remoteDom for {@link EvtchnStatus#UNBOUND} the domain allowed to bind; for
 *     {@link EvtchnStatus#INTERDOMAIN} the remote domain; otherwise 0
 * @param remotePort for {@link EvtchnStatus#INTERDOMAIN} the remote port; otherwise 0
 * @param virq for {@link EvtchnStatus#VIRQ} the VIRQ; otherwise 0
 */
public record ChannelStatus(int status, EvtchnStatus state, int vcpu, int remoteDom, int remotePort, int virq) {

    /**
     * A failed status query.
     *
     * @param status a negated errno
     * @return the status carrying only the error
     */
    public static ChannelStatus failed(int status) {
        return new ChannelStatus(status, EvtchnStatus.CLOSED, 0, 0, 0, 0);
    }

    /**
     * Whether the query succeeded.
     *
     * @return {@code status() == 0}
     */
    public boolean ok() {
        return status == 0;
    }

    /**
     * The error as Xen's errno, for messages and switches at the edge.
     *
     * @return the errno, or empty when the query succeeded (or the code is not one of Xen's)
     */
    public Optional<XenErrno> error() {
        return ok() ? Optional.empty() : XenErrno.ofResult(status);
    }
}
