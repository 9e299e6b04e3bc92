package io.pvkit.events;

import io.pvkit.abi.evtchn.EvtchnStatus;

/**
 * The answer of {@code EVTCHNOP_status} ({@code struct evtchn_status}'s OUT fields), or its error.
 *
 * @param result 0 on success, otherwise a negated {@link io.pvkit.abi.XenErrno} (the other
 *     components are then meaningless)
 * @param state the port's state
 * @param vcpu the vCPU the port notifies
 * @param remoteDom for {@link EvtchnStatus#UNBOUND} the domain allowed to bind; for
 *     {@link EvtchnStatus#INTERDOMAIN} the remote domain; otherwise 0
 * @param remotePort for {@link EvtchnStatus#INTERDOMAIN} the remote port; otherwise 0
 * @param virq for {@link EvtchnStatus#VIRQ} the VIRQ; otherwise 0
 */
public record ChannelStatus(int result, EvtchnStatus state, int vcpu, int remoteDom, int remotePort, int virq) {

    /**
     * A failed status query.
     *
     * @param result a negated errno
     * @return the status carrying only the error
     */
    public static ChannelStatus error(int result) {
        return new ChannelStatus(result, EvtchnStatus.CLOSED, 0, 0, 0, 0);
    }

    /**
     * Whether the query succeeded.
     *
     * @return {@code result() == 0}
     */
    public boolean ok() {
        return result == 0;
    }
}
