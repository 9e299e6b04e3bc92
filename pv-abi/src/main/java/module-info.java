/**
 * pv-abi: the Xen PV hypercall ABI (interface version 0x00040e00, x86_64) as Java.
 *
 * <p>Numbers, errno values, every shared structure as a {@code java.lang.foreign} layout that is
 * byte-identical to Xen's public headers, guest memory and the hypercall SPI. Depends on nothing
 * but {@code java.base}.
 */
module io.pvkit.abi {
    exports io.pvkit.abi;
    exports io.pvkit.abi.memory;
    exports io.pvkit.abi.hypercall;
    exports io.pvkit.abi.spi;
    exports io.pvkit.abi.ring;
    exports io.pvkit.abi.evtchn;
    exports io.pvkit.abi.grant;
    exports io.pvkit.abi.platform;
    exports io.pvkit.abi.xenstore;
    exports io.pvkit.abi.blkif;
    exports io.pvkit.abi.console;
}
