/**
 * pv-events: Xen event channels with the 2-level ABI, hypervisor side and guest side.
 */
@SuppressWarnings("requires-transitive-automatic")
module io.pvkit.events {
    requires transitive io.pvkit.abi;
    // Agrona's IdleStrategy appears in the API (UpcallDemultiplexer.awaitUpcall)
    requires transitive org.agrona;

    exports io.pvkit.events;
    exports io.pvkit.events.spi;
}
