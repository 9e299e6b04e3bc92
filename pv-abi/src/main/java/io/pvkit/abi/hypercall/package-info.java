/**
 * The x86_64 Xen hypercall calling convention on both sides of the
 * {@link io.pvkit.abi.spi.HypercallHandler} seam.
 *
 * <ul>
 *   <li>Hypervisor side: {@link io.pvkit.abi.hypercall.HypercallContext} (who is calling; validated
 *       copy-in/copy-out of argument structures, scalars and byte buffers),
 *       {@link io.pvkit.abi.hypercall.GuestArray} (an argument array with per-element validation) and
 *       {@link io.pvkit.abi.hypercall.HypercallResults#guard} (a bad pointer becomes {@code -EFAULT}).</li>
 *   <li>Guest side: {@link io.pvkit.abi.hypercall.GuestHypercalls} marshals argument structures into a
 *       scratch area of the caller's memory and calls the handler with their guest-physical
 *       addresses.</li>
 *   <li>{@link io.pvkit.abi.hypercall.MulticallEntryLayout}: one entry of {@code __HYPERVISOR_multicall}.</li>
 * </ul>
 *
 * <p>Pointer validation: a pointer is translated once by the caller's
 * {@link io.pvkit.abi.spi.GuestAddressTranslator}, then the whole translated range must lie in the
 * caller's memory and be aligned to the structure's C alignment; lengths and counts are checked for
 * negative values and overflow before any arithmetic is trusted.
 */
package io.pvkit.abi.hypercall;
