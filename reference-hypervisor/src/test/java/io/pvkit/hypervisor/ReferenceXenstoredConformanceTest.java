package io.pvkit.hypervisor;

import io.pvkit.conformance.xenstore.XenstoreUnderTest;
import io.pvkit.conformance.xenstore.XenstoreVerification;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreLimits;
import io.pvkit.hypervisor.dom0.xenstore.XenstoreSocketServer;
import io.pvkit.hypervisor.dom0.xenstore.Xenstored;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * pvkit's xenstored (domain 0's service) against the kit's xenstore rules over its Unix socket, a fresh
 * daemon per check, exactly as a third party runs {@link XenstoreVerification} against its own. The
 * domain-level rules (XS-07/09/13/14/20/21 over guest connections) are optional in the kit and covered here
 * by {@code XenstoredTest} and {@code XenstoreSystemTest} over real guest rings.
 */
class ReferenceXenstoredConformanceTest extends XenstoreVerification {
    @Override
    protected XenstoreUnderTest createXenstore() throws Exception {
        Path dir = Files.createTempDirectory("pvkit-xsd");
        Path socket = dir.resolve("socket");
        XenstoreSocketServer server = new Xenstored(XenstoreLimits.defaults()).listen(socket);
        return new XenstoreUnderTest() {
            @Override
            public Path socketPath() {
                return socket;
            }

            @Override
            public void close() throws IOException {
                server.close();
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        };
    }
}
