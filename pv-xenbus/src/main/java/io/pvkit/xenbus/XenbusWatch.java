package io.pvkit.xenbus;

/**
 * A registered watch. Closing it sends {@code XS_UNWATCH} (when the client is still connected) and stops
 * its listener; events of the watch already queued are dropped.
 */
public interface XenbusWatch extends AutoCloseable {
    /**
     * The watched path as registered.
     *
     * @return the path
     */
    String path();

    /**
     * The token the client chose for this watch (unique per client).
     *
     * @return the token
     */
    String token();

    /** Removes the watch; idempotent. */
    @Override
    void close();
}
