package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.fail;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.internal.HostileGuestProcess;
import io.pvkit.process.MailboxLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on one {@link HostileGuestProcess}: a child JVM on the kit's, pv-process's and pv-abi's
 * code only, driven by line commands, killed with {@link Process#destroyForcibly()} (SIGKILL).
 */
final class HostileGuest implements AutoCloseable {
    private static final long REPLY_SECONDS = 30;

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder transcript = new StringBuilder();
    final int domid;

    private HostileGuest(Process process) {
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("kit-hostile-guest-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("io-error " + e);
            }
            lines.add("eof");
        });
        String first = reply();
        if (!first.startsWith("welcome ")) {
            process.destroyForcibly();
            fail("the kit's guest process could not join: " + first + stderr());
        }
        this.domid = Integer.parseInt(first.substring("welcome ".length()).trim());
    }

    /** Starts a hostile guest that joins {@code socket} asking for one vCPU and {@code frames} frames. */
    static HostileGuest join(Path socket, long frames, String name) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(HostileGuestProcess.class.getName());
        cmd.add(socket.toString());
        cmd.add(Long.toString(frames));
        cmd.add(name);
        try {
            return new HostileGuest(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the kit's guest process: " + cmd, e);
        }
    }

    /** The code of the kit, pv-process and pv-abi, wherever they were loaded from (directories or jars). */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(HostileGuestProcess.class, MailboxLayout.class, GuestMemory.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException | RuntimeException e) {
                throw new IllegalStateException("cannot locate the code of " + c.getName(), e);
            }
        }
        return String.join(System.getProperty("path.separator"), entries);
    }

    /** Sends one command and returns its reply line. */
    String ask(String command) {
        try {
            commands.write(command + "\n");
            commands.flush();
        } catch (IOException e) {
            fail("the kit's guest process is gone before '" + command + "': " + e + transcript);
        }
        transcript.append("\n  > ").append(command);
        return reply();
    }

    private String reply() {
        try {
            String l = lines.poll(REPLY_SECONDS, TimeUnit.SECONDS);
            transcript.append("\n  < ").append(l);
            return l == null ? "no-reply" : l;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** SIGKILL, and waits for the process to be gone; returns System.nanoTime() when it was. */
    long kill() {
        process.destroyForcibly();
        try {
            process.waitFor(REPLY_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.nanoTime();
    }

    String transcript() {
        return "\nthe kit's guest process (domain " + domid + "):" + transcript;
    }

    private String stderr() {
        try {
            return "\n" + new String(process.getErrorStream().readNBytes(4000), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        kill();
    }
}
