package io.pvkit.cli.kit;

import io.pvkit.conformance.domain.GuestProcessDeathVerification;
import io.pvkit.conformance.domain.GuestProcessHostUnderTest;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.process.GuestListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The reference hypervisor's guests in their own processes ({@link Hypervisor#listenForGuests}) against the kit's
 * rules DOM-03 and DOM-04: the kit's own guest processes join, block in {@code SCHEDOP_block}, and are killed or
 * close their socket.
 */
public class ReferenceGuestProcessConformance extends GuestProcessDeathVerification {

    /**
     * pv-process's bound from a guest's end to {@code guestGone} (1 s, its README's "Guest death") plus the
     * destruction that follows (domain 0 lets go of the domain, its ports and grants are released): 3 s, with room
     * for a loaded machine (measured: 40 to 800 ms on 2 cores under load average 24).
     */
    private static final Duration BOUND = Duration.ofSeconds(3);

    /** For the JUnit Platform. */
    public ReferenceGuestProcessConformance() {
    }

    @Override
    protected GuestProcessHostUnderTest createHost() throws IOException {
        Path dir = Files.createTempDirectory("pvkit-kit-guests");
        Hypervisor hypervisor = Hypervisor.start(new HypervisorConfig(null, line -> { }));
        GuestListener listener = hypervisor.listenForGuests(dir.resolve("guests"));
        return new GuestProcessHostUnderTest() {
            @Override
            public Path guestSocket() {
                return dir.resolve("guests");
            }

            @Override
            public Duration guestDeathBound() {
                return BOUND;
            }

            @Override
            public boolean domainExists(int domid) {
                return hypervisor.domain(domid).isPresent();
            }

            /**
             * pv-process names a session's threads {@code pvkit-mailbox-d<domid>v<vcpu>} and
             * {@code pvkit-session-d<domid>}: the session is released when none of them is alive.
             */
            @Override
            public boolean sessionReleased(int domid) {
                String mailbox = "pvkit-mailbox-d" + domid + "v";
                String monitor = "pvkit-session-d" + domid;
                return Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive()
                        && (t.getName().startsWith(mailbox) || t.getName().equals(monitor)));
            }

            @Override
            public void close() {
                listener.close();
                hypervisor.close();
                try {
                    Files.deleteIfExists(dir.resolve("guests"));
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
