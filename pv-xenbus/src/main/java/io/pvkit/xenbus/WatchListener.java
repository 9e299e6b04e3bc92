package io.pvkit.xenbus;

/**
 * What runs when a watch fires. It runs on the thread that dispatches the client's events (see
 * {@link EventDispatch}), never concurrently with another listener of the same client, in the order the
 * events arrived. It may call the client (read the changed node, switch a state); it should not block for
 * long, since other events wait behind it.
 */
@FunctionalInterface
public interface WatchListener {
    /**
     * A watched node changed.
     *
     * @param event the path that changed and the watch's token
     */
    void onEvent(WatchEvent event);
}
