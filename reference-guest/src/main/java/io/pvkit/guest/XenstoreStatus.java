package io.pvkit.guest;

/** Where the guest stands with xenstore (see {@link GuestStats#xenstore()}). */
public enum XenstoreStatus {
    /** Not tried yet (booting). */
    NONE,
    /** Connected through the xenstore ring page and store event channel. */
    CONNECTED,
    /**
     * No xenstored bound the store event channel within {@link GuestOptions#xenstoreTimeout()}: the guest
     * runs without xenstore and takes its echo port from the {@code pvkit.echo} command-line word.
     */
    UNAVAILABLE
}
