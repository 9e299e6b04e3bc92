package io.pvkit.hypervisor;

import io.pvkit.abi.platform.ShutdownReason;

/**
 * A snapshot of one domain.
 *
 * @param domid the domain id (0 for domain 0)
 * @param name the domain's name
 * @param state its state when the snapshot was taken
 * @param shutdownReason why it shut down, or null while it has not
 * @param hypercalls the hypercalls it issued so far (a multicall counts once)
 * @param eventsSent its successful {@code EVTCHNOP_send} calls
 * @param eventsDelivered sends by any domain (itself included) on channels whose receiving end is this
 *     domain
 * @param crash what its vCPU threw (the domain then shut down with {@link ShutdownReason#CRASH}), or null
 */
public record DomainInfo(int domid, String name, DomainState state, ShutdownReason shutdownReason,
                         long hypercalls, long eventsSent, long eventsDelivered, Throwable crash) {
}
