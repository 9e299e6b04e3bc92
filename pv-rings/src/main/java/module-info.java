/**
 * pv-rings: lock-free shared-memory request/response rings with the semantics and layout of
 * Xen's {@code io/ring.h}, and the byte-stream rings of xenstore, the console and vchan.
 *
 * <p>Rings run over pv-abi's one shared-memory seam ({@code io.pvkit.abi.memory.MemoryAccess}) and wait
 * with pv-abi's {@code IdleStrategy}; pv-rings has no other dependency.
 */
module io.pvkit.rings {
    requires transitive io.pvkit.abi;

    exports io.pvkit.rings;
    exports io.pvkit.rings.spi;
}
