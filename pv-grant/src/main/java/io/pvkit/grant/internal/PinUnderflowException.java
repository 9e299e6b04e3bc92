package io.pvkit.grant.internal;

/**
 * A pin count would drop below zero: a grant use was released twice. The hypervisor's book-keeping no
 * longer describes the mappings, so this is never clamped or turned into a status.
 */
public final class PinUnderflowException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which count and by how much
     */
    public PinUnderflowException(String message) {
        super(message);
    }
}
