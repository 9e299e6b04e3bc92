package io.pvkit.rings.spi;

/**
 * How a ring's user tells the peer that there is new work: an event channel send
 * ({@code EVTCHNOP_send}), an in-process unpark, or nothing at all for a peer that polls.
 *
 * <p>The rings never notify by themselves; their push methods return whether a notification is
 * needed ({@code RING_PUSH_*_AND_CHECK_NOTIFY}), and the {@code ...(Notifier)} convenience methods
 * call this SPI exactly then.
 */
@FunctionalInterface
public interface Notifier {

    /** A notifier that does nothing, for a peer that polls. */
    Notifier NONE = () -> { };

    /**
     * Signals the peer. Called from the thread that pushed; must not block for long.
     */
    void notifyPeer();
}
