/**
 * The hypervisor core's internals: domain records, the hypercall dispatcher and its op handlers, the
 * domain builder, and the one place that registers and releases domains with pv-events and pv-grant.
 * Not exported.
 */
package io.pvkit.hypervisor.internal;
