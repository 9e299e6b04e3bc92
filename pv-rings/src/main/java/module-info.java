/**
 * pv-rings: lock-free shared-memory request/response rings with the semantics and layout of
 * Xen's {@code io/ring.h}, and the byte-stream rings of xenstore, the console and vchan.
 */
module io.pvkit.rings {
    requires transitive io.pvkit.abi;
}
