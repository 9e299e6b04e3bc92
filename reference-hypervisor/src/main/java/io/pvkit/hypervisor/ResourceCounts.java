package io.pvkit.hypervisor;

/**
 * What the hypervisor holds right now, summed over every domain (domain 0 included). After destroying
 * every guest, these are back to their values from before the guests were created.
 *
 * @param domains the domains that exist (created and not yet fully destroyed)
 * @param boundPorts event-channel ports in use (any state but free; port 0 excluded)
 * @param grantMappings grant mappings (maptrack entries) held by domains
 * @param vcpuThreads vCPU threads that have started and not yet ended
 * @param blockDevices vbd devices domain 0's block backend has probed and not yet released
 * @param blockGrantMappings grant mappings held by the block backend (included in {@code grantMappings})
 * @param blockWorkers queues being served by the block backend's shared workers (one per connected queue)
 * @param blockOpenFiles image files the block backend has open
 * @param guestSessions guest processes connected through {@link Hypervisor#listenForGuests} whose session
 *     has not ended (each holds one mailbox server thread per vCPU, a monitor thread, a socket, and the
 *     domain's sealed memory)
 */
public record ResourceCounts(int domains, int boundPorts, int grantMappings, int vcpuThreads, int blockDevices,
                             int blockGrantMappings, int blockWorkers, int blockOpenFiles, int guestSessions) {
    /**
     * Counts without guest processes (the form from before out-of-process guests existed; that count is 0).
     *
     * @param domains the domains that exist
     * @param boundPorts event-channel ports in use
     * @param grantMappings grant mappings held
     * @param vcpuThreads live vCPU threads
     * @param blockDevices vbd devices of the block backend
     * @param blockGrantMappings grant mappings of the block backend
     * @param blockWorkers queues being served by the block backend's shared workers
     * @param blockOpenFiles image files open
     */
    public ResourceCounts(int domains, int boundPorts, int grantMappings, int vcpuThreads, int blockDevices,
                          int blockGrantMappings, int blockWorkers, int blockOpenFiles) {
        this(domains, boundPorts, grantMappings, vcpuThreads, blockDevices, blockGrantMappings, blockWorkers,
                blockOpenFiles, 0);
    }

    /**
     * Counts without block backend resources (the form from before the block backend existed; its four
     * counts are 0).
     *
     * @param domains the domains that exist
     * @param boundPorts event-channel ports in use
     * @param grantMappings grant mappings held
     * @param vcpuThreads live vCPU threads
     */
    public ResourceCounts(int domains, int boundPorts, int grantMappings, int vcpuThreads) {
        this(domains, boundPorts, grantMappings, vcpuThreads, 0, 0, 0, 0);
    }
}
