package io.pvkit.hypervisor.dom0.xenstore;

/**
 * The limits that keep one guest from exhausting domain 0's xenstored. The defaults are C xenstored's
 * ({@code xenstored_core.c} / {@code xenstored_domain.c}, Xen 4.17). Domain 0 and every connection on the
 * tools socket are privileged and exempt from the per-domain quotas (as in C xenstored); the payload limit
 * applies to everyone.
 *
 * @param maxPayload the largest payload of one message ({@code XENSTORE_PAYLOAD_MAX}); a longer one closes
 *     the connection (it cannot be resynchronised)
 * @param maxRelativePathLength the longest path below {@code /local/domain/<id>/} (C's {@code quota_max_path_len},
 *     {@code XENSTORE_REL_PATH_MAX}); an absolute path outside a domain's home may be this long too
 * @param maxNodesPerDomain nodes a domain may own ({@code quota_nb_entry_per_domain})
 * @param maxNodeSize bytes of value plus child names of one node an unprivileged domain may write
 *     ({@code quota_max_entry_size})
 * @param maxWatchesPerConnection watches per connection ({@code quota_nb_watch_per_domain})
 * @param maxTransactionsPerConnection open transactions per connection ({@code quota_max_transaction})
 * @param maxNodesPerTransaction distinct nodes one transaction may touch ({@code quota_trans_nodes})
 * @param maxOutstandingRequests replies queued to a connection before xenstored stops reading its requests
 *     ({@code quota_req_outstanding})
 * @param maxQueuedEvents watch events queued to a connection; further events are dropped and counted
 */
public record XenstoreLimits(int maxPayload, int maxRelativePathLength, int maxNodesPerDomain, int maxNodeSize,
                             int maxWatchesPerConnection, int maxTransactionsPerConnection, int maxNodesPerTransaction,
                             int maxOutstandingRequests, int maxQueuedEvents) {
    /**
     * Validates the limits.
     *
     * @param maxPayload the payload limit, 1..4096
     * @param maxRelativePathLength the path limit, at least 1
     * @param maxNodesPerDomain the node quota, at least 1
     * @param maxNodeSize the node size limit, at least 1
     * @param maxWatchesPerConnection the watch quota, at least 1
     * @param maxTransactionsPerConnection the transaction quota, at least 1
     * @param maxNodesPerTransaction the transaction size limit, at least 1
     * @param maxOutstandingRequests the outstanding reply limit, at least 1
     * @param maxQueuedEvents the queued event limit, at least 1
     * @throws IllegalArgumentException when a value is out of range
     */
    public XenstoreLimits {
        if (maxPayload < 1 || maxPayload > 4096) {
            throw new IllegalArgumentException("maxPayload must be 1..4096: " + maxPayload);
        }
        if (maxRelativePathLength < 1 || maxNodesPerDomain < 1 || maxNodeSize < 1 || maxWatchesPerConnection < 1
                || maxTransactionsPerConnection < 1 || maxNodesPerTransaction < 1 || maxOutstandingRequests < 1
                || maxQueuedEvents < 1) {
            throw new IllegalArgumentException("every limit must be at least 1");
        }
    }

    /**
     * C xenstored's defaults: payload 4096, path 2048, 1000 nodes per domain, node size 2048, 128 watches,
     * 10 transactions, 1024 nodes per transaction, 20 outstanding requests, 1024 queued events.
     *
     * @return the defaults
     */
    public static XenstoreLimits defaults() {
        return new XenstoreLimits(4096, 2048, 1000, 2048, 128, 10, 1024, 20, 1024);
    }
}
