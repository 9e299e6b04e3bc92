/**
 * The kit's seeded property engine (pvkit does not use jqwik): generators ({@link io.pvkit.conformance.property.Gens}),
 * property checks ({@link io.pvkit.conformance.property.Property}), model-based testing
 * ({@link io.pvkit.conformance.property.StateMachine}, {@link io.pvkit.conformance.property.Action}),
 * integrated shrinking and exact replay by seed.
 *
 * <p>Every value is generated from a recorded sequence of choices ({@link io.pvkit.conformance.property.Source});
 * a failing case is shrunk by simplifying that sequence, and its seed, printed in the
 * {@link io.pvkit.conformance.property.PropertyFailure} message, replays the try and its shrinking
 * exactly with {@code -Dpvkit.seed=<seed>}. {@code -Dpvkit.tries=<n>} sets the number of tries.
 */
package io.pvkit.conformance.property;
