/**
 * Conformance rules and verifications for {@code io/ring.h} shared rings: {@link io.pvkit.conformance.ring.RingRules},
 * {@link io.pvkit.conformance.ring.BackRingVerification} and {@link io.pvkit.conformance.ring.FrontRingVerification}.
 *
 * <p>A third-party ring implements pv-rings' {@code FrontRing}/{@code BackRing} contracts (directly or
 * through a thin adapter) over a {@link io.pvkit.abi.memory.MemoryAccess}, so that the kit
 * can play the peer, count reads and lie about indices.
 */
package io.pvkit.conformance.ring;
