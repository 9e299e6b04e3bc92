/**
 * Hostile peers for the kit's double-fetch and index-overflow rules:
 * {@link io.pvkit.conformance.hostile.SharedMemoryView} (the accesses protocol code makes on a shared
 * page), {@link io.pvkit.conformance.hostile.HostileMemory} (counts reads per field, changes a field
 * after its first read, returns scripted values on each read), {@link io.pvkit.conformance.hostile.FieldFlipper}
 * (a thread rewriting a field of a real segment) and {@link io.pvkit.conformance.hostile.ScriptedPeer}
 * (the base of scripted misbehaving frontends, backends and guests).
 */
package io.pvkit.conformance.hostile;
