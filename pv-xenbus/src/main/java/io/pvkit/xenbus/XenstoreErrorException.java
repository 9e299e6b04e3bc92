package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XsError;

import java.io.Serial;
import java.util.Objects;

/**
 * xenstored answered a request with {@code XS_ERROR} ("ENOENT", "EACCES", "EAGAIN", ...). The connection
 * is fine; only this request failed. An error name that is not in Xen's table is reported as
 * {@link XsError#EINVAL} (as Linux's xenbus does) with the name in the message.
 */
public final class XenstoreErrorException extends XenbusException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final XsError error;

    /**
     * An error reply.
     *
     * @param error the error
     * @param message the request and path it answers
     */
    public XenstoreErrorException(XsError error, String message) {
        super(message + ": " + Objects.requireNonNull(error, "error").name());
        this.error = error;
    }

    /**
     * The error xenstored returned.
     *
     * @return the error
     */
    public XsError error() {
        return error;
    }
}
