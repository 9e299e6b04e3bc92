/**
 * What a ring's user plugs in: how the peer is notified ({@link io.pvkit.rings.spi.Notifier}). The shared
 * memory a ring reads and writes is pv-abi's {@code io.pvkit.abi.memory.MemoryAccess} (a test double of
 * that seam can intercept every access).
 */
package io.pvkit.rings.spi;
