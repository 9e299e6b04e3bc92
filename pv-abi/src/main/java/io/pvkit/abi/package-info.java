/**
 * The Xen PV ABI (x86_64, interface version 0x00040e00) as Java: numbers, binary layouts, guest memory
 * and the hypercall SPI. The module depends on nothing but {@code java.base}.
 *
 * <h2>What is here</h2>
 * <ul>
 *   <li>Numbers: hypercalls ({@link io.pvkit.abi.HypercallOp}), errno ({@link io.pvkit.abi.XenErrno},
 *       returned negated), domain ids ({@link io.pvkit.abi.DomId}), the interface version
 *       ({@link io.pvkit.abi.AbiVersion}); sub-op numbers live beside their layouts in the area packages
 *       ({@code evtchn}, {@code grant}, {@code platform}, {@code xenstore}, {@code blkif}).</li>
 *   <li>Layouts: one {@code *Layout} class per C structure, each a {@code public static final}
 *       {@link java.lang.foreign.StructLayout} {@code LAYOUT} named after the C struct, with members
 *       named after the C fields and every padding byte explicit; the {@code *_OFFSET} constants are
 *       derived from it. Every layout is pinned by a test with literal numbers and compared with
 *       gcc's {@code sizeof}/{@code offsetof} over Xen's own headers.</li>
 *   <li>Guest memory ({@link io.pvkit.abi.memory}) and the hypercall SPI ({@link io.pvkit.abi.spi},
 *       {@link io.pvkit.abi.hypercall}).</li>
 * </ul>
 *
 * <h2>Byte order and trust</h2>
 * All multi-byte values are little-endian with natural C alignment. Every structure that a peer can
 * write is untrusted: hypervisor code takes one private copy
 * ({@link io.pvkit.abi.hypercall.HypercallContext#copyIn}) and validates the copy; a bad guest pointer
 * is {@code -EFAULT}, never an exception that reaches the guest.
 *
 * <h2>Non-goals</h2>
 * 32-bit guests (whose register convention and some layouts differ, for example the 108-byte i386
 * {@code blkif_request}) and other architectures are not modelled.
 */
package io.pvkit.abi;
