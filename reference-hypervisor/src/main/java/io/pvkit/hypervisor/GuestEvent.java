package io.pvkit.hypervisor;

import java.util.Objects;

/**
 * A guest process joined or left (see {@link Hypervisor#listenForGuests}).
 *
 * @param kind joined or left
 * @param info the domain as it was at that moment (for {@link Kind#LEFT}: just before it was destroyed, so
 *     its state and shutdown reason say how the guest ended: {@code POWEROFF} when it shut down by itself,
 *     {@code CRASH} when the process vanished without shutting down)
 * @param reason for {@link Kind#LEFT}: why the session ended (e.g. the socket reached end of stream); empty
 *     for {@link Kind#JOINED}
 */
public record GuestEvent(Kind kind, DomainInfo info, String reason) {
    /** What happened. */
    public enum Kind {
        /** The guest's domain was built and its session started. */
        JOINED,
        /** The guest's process ended its session (exit, crash, kill) and its domain was destroyed. */
        LEFT
    }

    /**
     * Validates the event.
     *
     * @param kind the kind
     * @param info the domain
     * @param reason the reason, or empty
     */
    public GuestEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(info, "info");
        reason = reason == null ? "" : reason;
    }
}
