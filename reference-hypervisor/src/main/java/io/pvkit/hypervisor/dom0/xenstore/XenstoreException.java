package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsError;

import java.io.Serial;

/** A xenstore request failed with one of Xen's error names (the payload of an {@code XS_ERROR} reply). */
public final class XenstoreException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient XsError error;

    /**
     * The failure.
     *
     * @param error the error
     */
    public XenstoreException(XsError error) {
        super(error.name(), null, false, false);
        this.error = error;
    }

    /**
     * The error.
     *
     * @return the error name and number
     */
    public XsError error() {
        return error;
    }
}
