package io.pvkit.hypervisor.dom0.xenstore;

/**
 * Who sent a request: the domain whose home relative paths resolve under, and whether it is privileged
 * (domain 0, and every connection on the tools socket).
 *
 * @param domid the domain
 * @param privileged whether permission checks and quotas are waived
 */
record Caller(int domid, boolean privileged) {
}
