/**
 * The porting SPI: what an implementation under test supplies so that the kit's verifications can
 * drive it (create and destroy domains with memory, vCPUs and privilege; issue hypercalls as a given
 * domain and vCPU; observe console output and upcalls), plus {@link io.pvkit.conformance.spi.Capability}
 * hooks that skip rules an implementation does not support.
 */
package io.pvkit.conformance.spi;
