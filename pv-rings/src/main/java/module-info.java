/**
 * pv-rings: lock-free shared-memory request/response rings with the semantics and layout of
 * Xen's {@code io/ring.h}, and the byte-stream rings of xenstore, the console and vchan.
 *
 * <p>Agrona is required transitively because {@code RingWaits} takes an Agrona {@code IdleStrategy};
 * Agrona is an automatic module, hence the suppression.
 */
@SuppressWarnings("requires-transitive-automatic")
module io.pvkit.rings {
    requires transitive io.pvkit.abi;
    requires transitive org.agrona;

    exports io.pvkit.rings;
    exports io.pvkit.rings.spi;
}
