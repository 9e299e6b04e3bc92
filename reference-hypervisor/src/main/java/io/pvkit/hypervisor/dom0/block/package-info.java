/**
 * Domain 0's block backend (blkif, Xen's {@code io/blkif.h}): the xenbus handshake of each vbd
 * ({@link io.pvkit.hypervisor.dom0.block.BlockBackend}) and a few shared worker threads that serve the queues in
 * bounded turns: they consume each ring, move data by grant copy between the guest's pages and domain 0's
 * memory and serve a real file through {@link java.nio.channels.FileChannel}. Everything the frontend writes is
 * UNTRUSTED: xenstore keys are read once and validated, requests are private copies, indirect segments are
 * copied into domain 0's memory before they are parsed. Not exported: domain 0 wires it; tests drive it through
 * xenstore and hypercalls.
 */
package io.pvkit.hypervisor.dom0.block;
