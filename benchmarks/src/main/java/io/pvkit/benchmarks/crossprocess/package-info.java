/**
 * Cross-process figures: pvkit's {@code RingPeer} against a C front/back pair built on Xen's {@code io/ring.h}
 * over the same memory-mapped file, and bare flag ping-pongs (C and Java) for the round-trip floor.
 */
package io.pvkit.benchmarks.crossprocess;
