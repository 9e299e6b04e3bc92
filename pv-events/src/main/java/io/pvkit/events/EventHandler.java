package io.pvkit.events;

/**
 * What a guest runs when an event arrives on a port (Linux's per-IRQ handler).
 *
 * <p>Called on the vCPU thread that runs {@link UpcallDemultiplexer#handleUpcall()}, after the port's
 * pending bit was cleared, so an event raised while the handler runs is delivered again. A handler
 * that throws does not stop the demultiplexer: the exception goes to the demultiplexer's
 * {@link io.pvkit.events.spi.ErrorHandler}, is counted, and other ports are served.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event.
     *
     * @param port the port whose pending bit was just cleared
     */
    void onEvent(int port);
}
