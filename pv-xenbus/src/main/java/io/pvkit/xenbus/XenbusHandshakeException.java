package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XenbusState;

import java.io.Serial;

/**
 * A xenbus device handshake did not complete: the other end did not reach the wanted state within the
 * timeout, went {@link XenbusState#CLOSING}/{@link XenbusState#CLOSED} instead, or published a key that
 * is missing or malformed.
 */
public final class XenbusHandshakeException extends XenbusException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final XenbusState otherEnd;

    /**
     * A failed handshake step.
     *
     * @param message what was expected
     * @param otherEnd the other end's state when the step failed ({@link XenbusState#UNKNOWN} when unknown)
     */
    public XenbusHandshakeException(String message, XenbusState otherEnd) {
        super(message);
        this.otherEnd = otherEnd;
    }

    /**
     * The other end's state when the step failed.
     *
     * @return the state
     */
    public XenbusState otherEnd() {
        return otherEnd;
    }
}
