/**
 * Benchmarks of the reference hypervisor's own paths: the hypercall dispatcher and what its JFR event costs.
 */
package io.pvkit.benchmarks.hypervisor;
