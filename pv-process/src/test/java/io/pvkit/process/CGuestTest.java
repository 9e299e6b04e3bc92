package io.pvkit.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest written in C (src/test/c/mailbox_guest.c, built here with gcc against Xen's public headers and
 * pvkit_mailbox.h) joins through the session socket and makes console_io, xen_version and sched_op shutdown
 * hypercalls through its mailbox: the mailbox ABI is language-neutral.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CGuestTest {
    @TempDir
    Path dir;

    @Test
    void shouldServeAGuestWrittenInC() throws Exception {
        CTools.requireGcc("the C mailbox guest");
        Path exe = CTools.build("mailbox_guest");
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv");
        try (GuestListener listener = GuestListener.open(sock, host)) {
            Process guest = new ProcessBuilder(exe.toString(), sock.toString()).redirectErrorStream(true).start();
            String out = new String(guest.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(guest.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, guest.exitValue(), out);
            GuestSession session = host.gone.poll(10, TimeUnit.SECONDS);
            assertNotNull(session);
            assertTrue(session.awaitEnd(Duration.ofSeconds(5)));
            assertEquals(listener.sessions().getFirst(), session);
            assertEquals(3, session.served());
            assertEquals("hello from C, domid " + session.domid() + "\n", host.console.toString());
            assertEquals(0, host.shutdownReason.get(session.domid()), "SHUTDOWN_poweroff");
            assertTrue(out.startsWith("ok domid=" + session.domid() + " version=4.14"), out);
            System.out.println("[pv-process] C guest through the mailbox: " + out.strip() + ", " + session.served()
                    + " hypercalls served, console \"" + host.console.toString().strip() + "\"");
        }
    }
}
