/**
 * The conformance kit through the reference hypervisor's full dispatch path: the kit's porting SPI
 * ({@link io.pvkit.cli.kit.ReferenceHypervisorPort}) creates domains with
 * {@code Hypervisor.createDomain} (no entry point: the kit drives the domain) and issues every hypercall
 * through {@code Hypervisor.dispatcher()} with the domain's own {@code HypercallContext}; concrete
 * verifications extend the kit's hypercall-ABI, event-channel and grant-table classes;
 * {@link io.pvkit.cli.kit.ReferenceKit} runs them with the kit's runner and writes the report.
 */
package io.pvkit.cli.kit;
