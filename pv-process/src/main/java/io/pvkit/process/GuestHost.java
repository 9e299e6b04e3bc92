package io.pvkit.process;

/**
 * What a hypervisor supplies to {@link GuestListener}: it builds a domain for each guest process that joins,
 * and destroys it when the process goes away.
 */
public interface GuestHost {
    /**
     * Builds a domain for a guest that asked to join (the request is already range-checked). Called on the
     * connection's own thread.
     *
     * @param request what the guest asked for
     * @return the domain to serve
     * @throws RuntimeException to refuse the guest: it gets {@code status = -EINVAL} and the socket closes
     */
    Admission admit(GuestRequest request);

    /**
     * The guest process ended the session: it exited, was killed, or closed its socket. Called once per
     * session, on the session's monitor thread, after the mailbox servers were told to stop (a server blocked
     * inside the handler returns when the host destroys the domain). Not called when the hypervisor itself
     * {@link GuestSession#close() closed} the session.
     *
     * @param session the session, with its admission
     * @param reason a human-readable cause
     */
    void guestGone(GuestSession session, String reason);
}
