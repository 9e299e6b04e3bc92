package io.pvkit.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest process that forked a child before it was killed: the child still holds the session socket (and the
 * mappings), so the socket never reaches end of stream, yet the hypervisor notices the death of the process
 * that joined within {@link SessionDeathTest#BOUND}, because the session also watches that process itself
 * (a pidfd for the peer of the socket, {@code SO_PEERCRED}).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ForkedGuestDeathTest {
    private static final int TRIALS = 3;

    @TempDir
    Path dir;

    @Test
    void shouldNoticeTheDeathOfAGuestWhoseForkedChildStillHoldsTheSocket() throws Exception {
        CTools.requireGcc("the forking C mailbox guest");
        Path exe = CTools.build("mailbox_guest");
        TestHost host = new TestHost();
        Path sock = dir.resolve("hv");
        long worst = 0;
        try (GuestListener listener = GuestListener.open(sock, host)) {
            for (int i = 0; i < TRIALS; i++) {
                Process guest = new ProcessBuilder(exe.toString(), sock.toString(), "--fork")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                BufferedReader out = new BufferedReader(
                        new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                assertNotNull(line, "the guest joined and forked");
                assertTrue(line.startsWith("forked "), line);
                Optional<ProcessHandle> child = ProcessHandle.of(Long.parseLong(line.substring(7).strip()));
                assertTrue(child.isPresent() && child.get().isAlive(), "the child holds the socket");
                try {
                    Thread.sleep(20);
                    long t0 = System.nanoTime();
                    assertTrue(guest.toHandle().destroyForcibly());
                    GuestSession session = host.gone.poll(10, TimeUnit.SECONDS);
                    assertNotNull(session, "trial " + i + ": the death was reported while the child lived");
                    long micros = (session.endedAtNanos() - t0) / 1000;
                    worst = Math.max(worst, micros);
                    assertTrue(child.get().isAlive(), "the child still held the socket when the death was seen");
                    assertTrue(micros < SessionDeathTest.BOUND.toNanos() / 1000,
                            "trial " + i + ": detected in " + micros + " us");
                    assertTrue(session.endReason().contains("exited"), session.endReason());
                    assertTrue(session.awaitEnd(Duration.ofSeconds(5)));
                } finally {
                    child.ifPresent(ProcessHandle::destroyForcibly);
                    guest.waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertEquals(TRIALS, listener.sessions().size());
        }
        System.out.printf("[pv-process] kill -9 of a C guest whose forked child holds the socket, %d trials: "
                + "worst detection latency %d us (bound %d ms)%n", TRIALS, worst, SessionDeathTest.BOUND.toMillis());
    }
}
