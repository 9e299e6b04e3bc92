/**
 * The benchmark report: runs the JMH suites, the cross-process pairs and the latency histograms in bounded time and
 * writes a Markdown table of figures and ratios against the performance targets, with PNG charts.
 */
package io.pvkit.benchmarks.report;
