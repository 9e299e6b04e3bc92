package io.pvkit.xenbus;

import java.util.Objects;

/**
 * One {@code XS_WATCH_EVENT}: a node at or below a watched path changed (or the watch was just
 * registered: xenstored fires each watch once at registration).
 *
 * @param path the node that changed (absolute, or relative when the watch was registered relative)
 * @param token the token of the watch that fired
 */
public record WatchEvent(String path, String token) {
    /**
     * Validates the event.
     *
     * @param path not null
     * @param token not null
     */
    public WatchEvent {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(token, "token");
    }
}
