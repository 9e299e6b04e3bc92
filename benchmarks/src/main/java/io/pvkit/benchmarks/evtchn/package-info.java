/**
 * JMH benchmarks of pv-events: send-to-handler latency with a spinning and a parked vCPU, operations
 * per second, and a flag ping-pong over the same memory as the floor.
 */
package io.pvkit.benchmarks.evtchn;
