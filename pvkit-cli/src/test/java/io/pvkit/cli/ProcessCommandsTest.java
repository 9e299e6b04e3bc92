package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.cli.demo.GuestProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pvkit hypervisor --socket} with a {@code pvkit guest --connect} process, and
 * {@code pvkit demo --guests-in-processes}: real child JVMs, kept short.
 */
class ProcessCommandsTest {
    @TempDir
    Path dir;

    @Test
    void hypervisorCommandServesAGuestProcessAndPrintsItsJoinAndLeave() throws Exception {
        Path sock = dir.resolve("hv.sock");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> hv = CompletableFuture.supplyAsync(() -> PvkitCommand.run(
                new String[] {"hypervisor", "--socket", sock.toString(), "--exit-after", "1", "--for", "60s",
                    "--disk-dir", dir.resolve("disks").toString(), "--disk-size", "1M",
                    "--guest-cmdline", "pvkit.blk.bs=4096 pvkit.blk.passes=1"},
                new PrintWriter(out, true), new PrintWriter(err, true)));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(sock) && System.nanoTime() - until < 0) {
            Thread.sleep(20);
        }
        Process guest = GuestProcess.command(sock, "cli1", List.of("--rounds", "20")).redirectErrorStream(true).start();
        String guestOut = new String(guest.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(guest.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, guest.exitValue(), guestOut);
        int code = hv.get(30, TimeUnit.SECONDS);
        String text = out.toString();
        assertEquals(0, code, text + err);
        assertTrue(text.contains("pvkit hypervisor: guest cli1 joined as domain 1"), text);
        assertTrue(text.contains("pvkit hypervisor: guest cli1 (domain 1) left: poweroff"), text);
        assertTrue(text.contains("cli1| "), "the guest's console lines: " + text);
        assertTrue(text.contains("guestSessions=0"), text);
        assertTrue(guestOut.contains("joined " + sock + " as domain 1"), guestOut);
        assertTrue(guestOut.contains("done, 20 round trips, 1 disk passes, 256 blocks verified, 0 mismatches"), guestOut);
        assertTrue(Files.notExists(sock), "the socket is removed at exit");
    }

    @Test
    void demoWithGuestsInProcesses() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PvkitCommand.run(new String[] {"demo", "--guests-in-processes", "--guests", "2", "--rounds", "20",
            "--disk-size", "1M", "--passes", "1", "--no-progress", "--log-dir", dir.resolve("logs").toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        String text = out.toString();
        assertEquals(0, code, text + err);
        assertTrue(text.contains("guests in their own processes"), text);
        assertTrue(text.contains("demo OK: 2 guests powered off by themselves, 40 round trips"), text);
        assertTrue(text.contains("all 64 blocks identical"), text);
        assertTrue(Files.exists(dir.resolve("logs").resolve("guest1.process.out")));
    }
}
