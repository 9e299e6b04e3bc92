package io.pvkit.conformance.xenstore;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;

/**
 * The porting SPI of the xenstore verification: one running xenstored under test.
 *
 * <p>{@link XenstoreVerification} creates one per test method and closes it afterwards. The kit always talks to
 * the daemon through its Unix domain socket ({@link #socketPath()}; every connection on it acts as dom0, as with
 * Xen's C xenstored and {@code XENSTORED_PATH}). Rules about guests (permission isolation between two domains,
 * watch filtering, {@code @introduceDomain}/{@code @releaseDomain}) need connections that act as a given
 * domain: an implementation that can make them returns {@code true} from {@link #supportsDomainConnections()} and
 * implements {@link #connectAsDomain(int)}; without it those checks are SKIPs, never failures.
 */
public interface XenstoreUnderTest extends AutoCloseable {

    /**
     * The Unix domain socket the daemon listens on; connections on it act as dom0.
     *
     * @return the socket path (it exists when this method returns)
     */
    Path socketPath();

    /**
     * Whether {@link #connectAsDomain(int)} works.
     *
     * @return true when the implementation can make connections acting as a guest domain
     */
    default boolean supportsDomainConnections() {
        return false;
    }

    /**
     * Introduces domain {@code domid} to the daemon as a toolstack does (for a ring-based daemon: give it the
     * domain's xenstore page and event channel, for example with {@code XS_INTRODUCE}; any private mechanism is
     * fine) and returns a byte stream on which the kit speaks {@code xs_wire} as that domain.
     *
     * <p>The introduction must fire {@code @introduceDomain}. The kit then creates {@code /local/domain/<domid>}
     * itself over the socket (owned by the domain) and may later send {@code XS_RELEASE} for the domain over the
     * socket, which must fire {@code @releaseDomain} and disconnect it. The stream's {@code read} blocks until bytes
     * arrive and returns -1 (or throws) once the stream is closed; {@code close()} is called by the kit.
     *
     * @param domid the domain id, 1..32751, never reused within one {@link XenstoreUnderTest}
     * @return the stream acting as the domain
     * @throws IOException when the connection cannot be made
     * @throws UnsupportedOperationException when {@link #supportsDomainConnections()} is false
     */
    default ByteChannel connectAsDomain(int domid) throws IOException {
        throw new UnsupportedOperationException("domain connections not supported");
    }

    /**
     * Stops the daemon and frees its resources (called after every test method).
     *
     * @throws IOException when stopping fails
     */
    @Override
    void close() throws IOException;
}
