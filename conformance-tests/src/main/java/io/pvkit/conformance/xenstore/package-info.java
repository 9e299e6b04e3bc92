/**
 * Xenstore conformance: the rules {@code XS-xx} ({@link io.pvkit.conformance.xenstore.XenstoreRules}) and the
 * verification any xenstored extends ({@link io.pvkit.conformance.xenstore.XenstoreVerification}), which drives
 * the daemon over the {@code xs_wire} protocol through its Unix domain socket and, where the implementation
 * supplies them, through connections acting as guest domains ({@link io.pvkit.conformance.xenstore.XenstoreUnderTest}).
 * {@link io.pvkit.conformance.xenstore.XsClient} is the kit's small wire client; the model-based rule runs
 * operation sequences against {@link io.pvkit.conformance.xenstore.XenstoreModel}, an immutable tree.
 */
package io.pvkit.conformance.xenstore;
