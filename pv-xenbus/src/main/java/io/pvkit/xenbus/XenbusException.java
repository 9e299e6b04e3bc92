package io.pvkit.xenbus;

import java.io.Serial;

/**
 * A xenstore connection failed: the server broke the protocol (a reply longer than
 * {@code XENSTORE_PAYLOAD_MAX}, an unknown message type, a reply to no outstanding request, a string
 * without its NUL), the transport failed or closed, or no reply came within the request timeout. After
 * any of these the client is broken: every later call throws this exception again (see
 * {@link XenbusClient#failure()}).
 *
 * <p>Subclasses are narrower: {@link XenstoreErrorException} is an ordinary {@code XS_ERROR} reply (the
 * connection stays usable) and {@link XenbusHandshakeException} a device handshake that did not complete.
 */
public class XenbusException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message what happened
     */
    public XenbusException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what happened
     * @param cause the cause
     */
    public XenbusException(String message, Throwable cause) {
        super(message, cause);
    }
}
