/**
 * JMH benchmarks of pvkit, each side by side with a baseline in the same run.
 */
package io.pvkit.benchmarks;
