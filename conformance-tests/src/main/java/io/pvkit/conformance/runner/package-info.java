/**
 * The command-line runner ({@link io.pvkit.conformance.runner.ConformanceRunner}, packaged as
 * {@code conformance-tests/target/conformance-tests-runner.jar}) and its rule-by-rule report
 * ({@link io.pvkit.conformance.runner.ConformanceReport}).
 */
package io.pvkit.conformance.runner;
