/**
 * JMH benchmarks of pv-rings against baselines in the same run: a plain SPSC ring over the same page
 * (no validation, no notify check: the floor) and JCTools {@code SpscArrayQueue} pairs.
 */
package io.pvkit.benchmarks.ring;
