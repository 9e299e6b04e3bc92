/**
 * The Xen PV ABI as Java: errno values ({@link io.pvkit.abi.XenErrno}), domain ids
 * ({@link io.pvkit.abi.DomId}) and the interface version ({@link io.pvkit.abi.AbiVersion}).
 *
 * <p>Sub-packages hold the binary layouts of each ABI area (x86_64, little-endian, natural C alignment,
 * interface version 0x00040e00), guest memory ({@link io.pvkit.abi.memory}) and the hypercall SPI
 * ({@link io.pvkit.abi.spi}, {@link io.pvkit.abi.hypercall}).
 */
package io.pvkit.abi;
