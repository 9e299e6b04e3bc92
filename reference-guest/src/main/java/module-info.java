/**
 * The reference PV guest (reference, not production): a guest that boots the way a Linux PVH guest
 * does against any {@link io.pvkit.abi.spi.HypercallHandler}, connects its console and xenstore, walks the
 * xenbus handshake of its echo device and runs a
 * workload (the echo ping-pong, and block I/O through its PV block frontend when it has a disk). Start it with {@link io.pvkit.guest.ReferenceGuest#entryPoint(io.pvkit.guest.GuestOptions)}.
 */
@SuppressWarnings("requires-automatic")
module io.pvkit.guest {
    requires transitive io.pvkit.abi;
    requires transitive io.pvkit.rings;
    requires transitive io.pvkit.events;
    requires transitive io.pvkit.grant;
    requires transitive io.pvkit.xenbus;
    requires HdrHistogram;

    exports io.pvkit.guest;
    exports io.pvkit.guest.block;
}
