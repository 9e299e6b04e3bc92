package io.pvkit.conformance.domain;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The porting SPI of DOM-03 and DOM-04: a hypervisor that accepts guests running in their own processes through
 * pv-process's documented ABI (the session wire format, version 1, on a Unix stream socket, and the per-vCPU
 * hypercall mailbox of {@code pvkit_mailbox.h}). The kit acts as a hostile guest process against it: it joins
 * with {@code pvkit_hello}, maps the memory and mailbox descriptors of {@code pvkit_welcome}, writes its mailbox
 * raw, and then dies or closes its socket in the middle of a hypercall.
 *
 * <p>A verification creates one instance per test method and closes it afterwards.
 */
public interface GuestProcessHostUnderTest extends AutoCloseable {

    /**
     * Where guest processes join: a listening {@code AF_UNIX} stream socket speaking the session wire format. Every
     * guest that joins gets an unprivileged domain with what it asked for (the kit asks for 1 vCPU and
     * {@link GuestProcessDeathVerification#guestFrames()} frames) and has {@code xen_version} and
     * {@code SCHEDOP_block} served through its mailbox.
     *
     * @return the socket's path
     */
    Path guestSocket();

    /**
     * The bound the implementation promises from a guest process's end (exit, kill, or its session socket closed)
     * to the destruction of its domain and the end of every thread serving it. DOM-03 and DOM-04 accept at most
     * 10 seconds.
     *
     * @return the bound
     */
    Duration guestDeathBound();

    /**
     * Whether a domain exists right now (created and not yet destroyed).
     *
     * @param domid the id from the guest's {@code pvkit_welcome}
     * @return true while it exists
     */
    boolean domainExists(int domid);

    /**
     * Whether the implementation has let go of a guest's session: no thread of it still serves the guest (its
     * mailbox servers have returned, none is left blocked inside a hypercall handler) and its socket is closed.
     *
     * @param domid the guest's domain id
     * @return true once the session is completely released (also for an id that never had a session)
     */
    boolean sessionReleased(int domid);

    /** Stops accepting guests, ends every session and releases the hypervisor. */
    @Override
    void close();
}
