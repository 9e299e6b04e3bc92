/**
 * What a ring's user plugs in: the shared memory the ring reads and writes
 * ({@link io.pvkit.rings.spi.SharedMemory}, which a test double can intercept) and how the peer is
 * notified ({@link io.pvkit.rings.spi.Notifier}).
 */
package io.pvkit.rings.spi;
