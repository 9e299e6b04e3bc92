/**
 * Xen-compatible shared-memory request/response rings ({@code io/ring.h}) and byte-stream rings
 * (xenstore, console, vchan).
 *
 * <h2>Threading model</h2>
 * Each ring has exactly two parties: a frontend ({@link io.pvkit.rings.FrontRing}) and a backend
 * ({@link io.pvkit.rings.BackRing}), usually in different domains or processes. Each side object is
 * driven by one thread. Nothing blocks: push and poll return at once; {@link io.pvkit.rings.RingWaits}
 * adds idle-strategy loops for callers that want to wait.
 *
 * <h2>Memory-order vocabulary</h2>
 * <ul>
 *   <li>A producer writes slots with plain stores, then stores its producer index with <b>release</b>
 *       ({@code xen_wmb}; jcstress RING-11). A consumer reads the producer index with <b>acquire</b>
 *       before copying slots ({@code xen_rmb}).</li>
 *   <li>After publishing, the producer issues a <b>full fence</b> ({@code xen_mb}, StoreLoad) and only
 *       then reads the consumer's event index. The consumer's final check stores its event index,
 *       issues a full fence and re-reads the producer index. Because each side stores then fences then
 *       loads the other's field, at least one of them sees the other: either the producer notifies or the
 *       consumer finds the work (no lost wake-up; jcstress RING-10). These fences are never weakened.</li>
 *   <li>Notify exactly when the event index lies in {@code (old, new]} modulo 2^32
 *       ({@link io.pvkit.rings.RingIndex#eventInWindow(int, int, int)}).</li>
 * </ul>
 *
 * <h2>Trust model</h2>
 * Every word the peer writes is hostile: each peer index is read once per call into a local and
 * validated ({@code RING_REQUEST_PROD_OVERFLOW}, {@code RING_RESPONSE_PROD_OVERFLOW}, regression,
 * response ids against a private shadow); every slot is copied once into private memory before it is
 * parsed; a ring's own published indices are kept privately and never read back. A violation moves the
 * side to {@link io.pvkit.rings.RingState#BROKEN} and throws {@link io.pvkit.rings.RingBrokenException}:
 * nothing beyond the last valid entry is consumed, and no memory outside the ring is touched (all access
 * goes through bounds-checked segments).
 *
 * <h2>Non-goals</h2>
 * Allocating or granting the shared pages, and event channels: callers bring the memory
 * (pv-abi's {@link io.pvkit.abi.memory.MemoryAccess}, e.g. a {@link io.pvkit.abi.memory.GuestMemory}
 * or {@code GuestMemory.wrap(segment)} of a mapping) and the notification ({@link io.pvkit.rings.spi.Notifier}).
 */
package io.pvkit.rings;
