package io.pvkit.grant.internal;

/**
 * The hypervisor's private state of one grant entry while it is in use (Xen's {@code active_grant_entry}):
 * pin counts per kind of use and the snapshot of the shared entry taken at the first pin. Guarded by the
 * {@code GrantTables} lock.
 */
public final class ActiveEntry {
    /** Xen keeps each pin count in 8 bits and refuses a pin that would reach 0x80. */
    public static final int MAX_PINS = 0x7F;

    public int hostRead;
    public int hostWrite;
    public int devRead;
    public int devWrite;
    public int copyRead;
    public int copyWrite;
    /** The mapping domain, captured at the first pin. */
    public int domid;
    /** The granted frame, captured at the first pin (never re-read while pinned: GNT-06). */
    public long frame;

    public int pins() {
        return hostRead + hostWrite + devRead + devWrite + copyRead + copyWrite;
    }

    public int writers() {
        return hostWrite + devWrite + copyWrite;
    }

    public boolean nearOverflow() {
        return hostRead >= MAX_PINS || hostWrite >= MAX_PINS || devRead >= MAX_PINS || devWrite >= MAX_PINS
                || copyRead >= MAX_PINS || copyWrite >= MAX_PINS;
    }
}
