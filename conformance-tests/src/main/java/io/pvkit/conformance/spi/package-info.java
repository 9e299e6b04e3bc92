/**
 * The porting SPI: what an implementation under test supplies so that the kit's verifications can
 * drive it (create and destroy domains with memory, vCPUs and privilege; issue hypercalls as a given
 * domain and vCPU; observe console output and upcalls), plus {@link io.pvkit.conformance.spi.Capability}
 * hooks that skip rules an implementation does not support.
 *
 * <p>One domain description: a created domain is described by pv-abi's {@link io.pvkit.abi.DomainSpec}
 * ({@link io.pvkit.conformance.spi.DomainUnderTest#spec()}), the same record every pvkit library
 * registers. {@link io.pvkit.conformance.spi.DomainConfig} is not a second description but the kit's
 * <em>request</em> for a domain: the id and the memory of a {@code DomainSpec} are the implementation's to
 * choose, so the kit asks only for frames, vCPUs, privilege and the view of the shared memory it wants to
 * observe ({@link io.pvkit.conformance.spi.Capability#SHARED_MEMORY_VIEW}).
 */
package io.pvkit.conformance.spi;
