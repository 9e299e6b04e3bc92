/**
 * pv-xenbus: a xenstore client speaking Xen's {@code xs_wire} protocol over a guest's xenstore ring page
 * or a Unix domain socket, and the xenbus device state machine (Linux's frontend/backend handshake).
 *
 * <p>Depends on pv-abi (message layouts, types, error names, xenbus states) and pv-rings (the byte-stream
 * rings of the xenstore page) only.
 */
module io.pvkit.xenbus {
    requires transitive io.pvkit.abi;
    requires transitive io.pvkit.rings;

    exports io.pvkit.xenbus;
    exports io.pvkit.xenbus.spi;
}
