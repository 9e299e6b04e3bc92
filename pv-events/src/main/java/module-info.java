/**
 * pv-events: Xen event channels with the 2-level ABI, hypervisor side and guest side.
 */
module io.pvkit.events {
    requires transitive io.pvkit.abi;
    requires jdk.jfr; // JFR events (off by default): io.pvkit.EventChannelSend

    exports io.pvkit.events;
    exports io.pvkit.events.spi;
}
