package io.pvkit.grant;

import io.pvkit.abi.grant.GrantStatus;

/**
 * The outputs of GNTTABOP_query_size.
 *
 * @param status a GNTST code: 0 on success, negative on failure
 * @param nrFrames the current number of table frames (0 on failure)
 * @param maxFrames the maximum number of table frames (0 on failure)
 */
public record TableSize(int status, int nrFrames, int maxFrames) {

    /**
     * Whether the query succeeded.
     *
     * @return {@code status() == 0}
     */
    public boolean ok() {
        return status == 0;
    }

    /**
     * The status as the pv-abi enum, for logs and callers away from the hot path.
     *
     * @return the {@link GrantStatus} whose code is {@link #status()}
     */
    public GrantStatus grantStatus() {
        return GrantStatus.of(status).orElseThrow();
    }
}
