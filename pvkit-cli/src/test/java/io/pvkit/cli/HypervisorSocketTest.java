package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pvkit hypervisor --socket} and its socket file, with real processes and real signals: the file goes
 * when the hypervisor is stopped by SIGTERM ({@link Process#destroy()}) or SIGINT ({@code kill -INT}); a file
 * left behind by {@code kill -9} (nobody listens on it) is replaced at the next start with a message; a socket
 * a running hypervisor listens on is refused with an error and left alone, as is a path that is not a socket.
 */
@Timeout(180)
class HypervisorSocketTest {
    @TempDir
    Path dir;

    /** A running {@code pvkit hypervisor} child JVM and what it printed. */
    private record Hv(Process process, List<String> out) {
        String text() {
            synchronized (out) {
                return String.join("\n", out);
            }
        }
    }

    private Hv start(Path sock) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env --default-signal: a build started in the background of a non-interactive shell ignores SIGINT (and nohup
        // SIGHUP); a child inherits that and the JVM then leaves the signal alone, so reset both signals this test sends
        Process p = new ProcessBuilder("env", "--default-signal=INT,TERM", java, "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-cp", System.getProperty("java.class.path"),
                "io.pvkit.cli.PvkitCommand", "hypervisor", "--socket", sock.toString())
                .redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    synchronized (out) {
                        out.add(l);
                    }
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        return new Hv(p, out);
    }

    /** Waits for the "waiting for guests" line (or the process's end). */
    private static Hv ready(Hv hv) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!hv.text().contains("waiting for guests") && hv.process().isAlive() && System.nanoTime() - until < 0) {
            Thread.sleep(20);
        }
        assertTrue(hv.text().contains("waiting for guests"), hv.text());
        return hv;
    }

    private static boolean listening(Path sock) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            return ch.isConnected();
        } catch (Exception e) {
            return false;
        }
    }

    private static int exit(Hv hv) throws Exception {
        if (!hv.process().waitFor(30, TimeUnit.SECONDS)) {
            // keep the threads for the diagnosis (a hypervisor started with SIGINT ignored never saw the signal)
            String jstack = Path.of(System.getProperty("java.home"), "bin", "jstack").toString();
            Process dump = new ProcessBuilder(jstack, Long.toString(hv.process().pid())).redirectErrorStream(true).start();
            String threads = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            hv.process().destroyForcibly();
            fail("the hypervisor process did not end within 30 s: " + hv.text() + "\nits threads:\n" + threads);
        }
        return hv.process().exitValue();
    }

    @Test
    void theSocketGoesOnSigtermAndSigint() throws Exception {
        Path sock = dir.resolve("term.sock");
        Hv hv = ready(start(sock));
        assertTrue(listening(sock));
        hv.process().destroy();   // SIGTERM
        assertEquals(143, exit(hv), "killed by SIGTERM: " + hv.text());
        assertTrue(Files.notExists(sock), "the socket is removed on SIGTERM: " + hv.text());

        Hv hv2 = ready(start(sock));
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(hv2.process().pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertEquals(130, exit(hv2), "killed by SIGINT: " + hv2.text());
        assertTrue(Files.notExists(sock), "the socket is removed on SIGINT: " + hv2.text());
    }

    @Test
    void aStaleSocketIsReplacedAndALiveOneIsRefused() throws Exception {
        Path sock = dir.resolve("hv.sock");
        Hv dead = ready(start(sock));
        dead.process().destroyForcibly();   // kill -9: no hook runs, the file stays
        exit(dead);
        assertTrue(Files.exists(sock), "kill -9 leaves the socket file behind");
        assertTrue(!listening(sock), "and nobody listens on it");

        Hv hv = ready(start(sock));
        assertTrue(hv.text().contains("pvkit hypervisor: removed the stale socket " + sock), hv.text());
        assertTrue(listening(sock), "the new hypervisor listens on the path");

        Hv second = start(sock);
        assertEquals(PvkitCommand.FAILED, exit(second), second.text());
        assertTrue(second.text().contains("pvkit hypervisor: " + sock + " is in use"), second.text());
        assertTrue(listening(sock), "the running hypervisor's socket is left alone: " + hv.text());

        hv.process().destroy();
        exit(hv);
        assertTrue(Files.notExists(sock), hv.text());
    }

    @Test
    void aPathThatIsNotASocketIsRefusedAndLeftAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "precious");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PvkitCommand.run(new String[] {"hypervisor", "--socket", file.toString(), "--for", "1s"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(PvkitCommand.FAILED, code, out + "" + err);
        assertTrue(err.toString().contains(file + " exists and is not a socket"), err.toString());
        assertEquals("precious", Files.readString(file), "the file is untouched");
    }
}
