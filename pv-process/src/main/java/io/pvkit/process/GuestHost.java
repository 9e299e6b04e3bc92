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
     * The session for an admitted domain exists and its welcome is about to be sent: the place to hand
     * {@code session::kick} to pv-events as the domain's {@code VcpuKicker} and to learn
     * {@link GuestSession#vcpuThread(int)} once it runs. Called on the connection's thread, before the guest
     * can make its first hypercall. The default does nothing.
     *
     * @param session the new session
     * @throws RuntimeException to abandon the guest (then {@link #guestGone} is called for it)
     */
    default void sessionStarted(GuestSession session) {
    }

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
