/**
 * Grant-table conformance: the rules {@code GNT-xx}, {@code FE-09} and {@code FE-10}
 * ({@link io.pvkit.conformance.grant.GrantRules}) and the verification a hypervisor extends
 * ({@link io.pvkit.conformance.grant.GrantTableVerification}).
 */
package io.pvkit.conformance.grant;
