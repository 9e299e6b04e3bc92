/**
 * Hostile peers for the kit's double-fetch, regression and index-overflow rules:
 * {@link io.pvkit.conformance.hostile.HostileMemory} (an {@link io.pvkit.abi.memory.MemoryAccess}, pvkit's
 * one shared-memory seam, that counts reads and writes per field, changes a field between the first and
 * the second read, returns scripted values, and faults accesses, all deterministically),
 * {@link io.pvkit.conformance.hostile.MemoryCopies} (whole-range copies between a
 * {@code MemoryAccess} and a private segment), {@link io.pvkit.conformance.hostile.FieldFlipper} (a thread
 * rewriting a field of a real segment, for code that holds a segment rather than a {@code MemoryAccess})
 * and {@link io.pvkit.conformance.hostile.ScriptedPeer} (the base of scripted misbehaving frontends,
 * backends and guests).
 */
package io.pvkit.conformance.hostile;
