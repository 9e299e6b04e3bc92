package io.pvkit.hypervisor;

/**
 * What the hypervisor holds right now, summed over every domain (domain 0 included). After destroying
 * every guest, these are back to their values from before the guests were created.
 *
 * @param domains the domains that exist (created and not yet fully destroyed)
 * @param boundPorts event-channel ports in use (any state but free; port 0 excluded)
 * @param grantMappings grant mappings (maptrack entries) held by domains
 * @param vcpuThreads vCPU threads that have started and not yet ended
 */
public record ResourceCounts(int domains, int boundPorts, int grantMappings, int vcpuThreads) {
}
