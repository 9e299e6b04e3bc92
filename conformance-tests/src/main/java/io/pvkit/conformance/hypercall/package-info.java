/**
 * The hypercall ABI rules ({@code HC-xx}) and their verification, {@code HypercallAbiVerification}; {@link io.pvkit.conformance.hypercall.HypercallRules} lists them.
 */
package io.pvkit.conformance.hypercall;
