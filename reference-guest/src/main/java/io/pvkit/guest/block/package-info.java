/**
 * The reference guest's PV block device: a blkif frontend ({@link io.pvkit.guest.block.BlockFrontend}, after
 * Linux's {@code xen-blkfront.c}) with its block-device API ({@link io.pvkit.guest.block.BlockDevice}), and the
 * block workload ({@link io.pvkit.guest.block.BlockWorkload}) that writes, flushes, reads back and verifies a
 * {@link io.pvkit.guest.block.BlockPattern} across the disk.
 *
 * <p>Threading: the guest is uniprocessor; everything here runs on vCPU 0's thread, and futures complete on it
 * inside the guest's event waits. Only {@link io.pvkit.guest.block.BlockStats} is read from other threads.
 *
 * <p>Wire: Xen {@code io/blkif.h} on x86_64, through pv-abi's {@code io.pvkit.abi.blkif} layouts and pv-rings'
 * {@code SharedFrontRing} (112-byte slots); sectors are 512 bytes on the wire; segments are whole 4096-byte pages
 * of the frontend's own pool ({@code first_sect} 0, {@code last_sect} 7 except at a transfer's end).
 *
 * <p>Trust model: the backend is a peer and hostile. Its xenstore keys are read once and validated; its
 * responses are validated by pv-rings (producer index, id range, outstanding ids) and by the frontend
 * (operation echoed, known status). A violation fails the device ({@link io.pvkit.guest.block.BlockDeviceState#FAILED});
 * the caller's buffers are only ever written from a response the frontend accepted, and the backend can only
 * reach the pages the frontend granted it.
 *
 * <p>Non-goals: more than one vCPU, barriers ({@code feature-barrier}), secure discard, resume after migration,
 * growing the grant table.
 */
package io.pvkit.guest.block;
