/**
 * What pvkit's JFR events cost when they are off: each library path that emits an event, measured in a JVM with
 * the event code (the event class present, disabled as by default) against a JVM started with the library's switch
 * that removes the event code, in one run.
 */
package io.pvkit.benchmarks.jfr;
