package io.pvkit.grant;

import io.pvkit.abi.grant.GrantStatus;

import java.lang.foreign.MemorySegment;

/**
 * The outputs of a map_grant_ref.
 *
 * @param status a GNTST code: 0 on success, negative on failure
 * @param handle the mapping handle to pass to unmap (valid when {@code status == 0})
 * @param devBusAddr the device address of the frame for a {@code GNTMAP_device_map}, else 0
 * @param segment the 4096-byte view of the granted frame for a {@code GNTMAP_host_map} (read-only for a
 *     read-only mapping), dead after unmap; null on failure, without host_map, or for a
 *     {@link MappingLifetime#CHECKED} mapping (see {@code view})
 * @param view the checked view of the granted frame for a {@code GNTMAP_host_map} made with
 *     {@link MappingLifetime#CHECKED}, whose accesses throw after unmap; null otherwise
 */
public record MapResult(int status, int handle, long devBusAddr, MemorySegment segment, GrantView view) {

    /**
     * A result without a checked view (a SHARED or CONFINED host mapping, a device mapping, a failure).
     *
     * @param status a GNTST code
     * @param handle the mapping handle
     * @param devBusAddr the device address, or 0
     * @param segment the host mapping's segment, or null
     */
    public MapResult(int status, int handle, long devBusAddr, MemorySegment segment) {
        this(status, handle, devBusAddr, segment, null);
    }

    /**
     * A failed map.
     *
     * @param status the negative GNTST code
     * @return a result carrying only the status
     */
    public static MapResult failed(int status) {
        return new MapResult(status, -1, 0, null, null);
    }

    /**
     * Whether the map succeeded.
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
