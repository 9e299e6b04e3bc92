/**
 * JMH benchmarks of pv-grant: map+unmap pairs per lifetime mechanism against bare arena costs, and
 * grant copies against {@code MemorySegment.copy} of the same bytes.
 */
package io.pvkit.benchmarks.grant;
