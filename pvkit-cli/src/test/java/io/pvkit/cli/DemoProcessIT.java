package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real {@code ./pvkit demo} as a newcomer runs it: the launcher at the repository root, as a process.
 * Runs after {@code package} (the jar is fresh, so the launcher does not build), bounded to five minutes.
 */
class DemoProcessIT {

    private static Path root() {
        Path root = Path.of(System.getProperty("pvkit.root", "..")).toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(root.resolve("pvkit")), "no ./pvkit in " + root);
        return root;
    }

    private static List<String> run(Path out, String... args) throws IOException, InterruptedException {
        Path root = root();
        List<String> command = new java.util.ArrayList<>(List.of(root.resolve("pvkit").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("./pvkit " + String.join(" ", args) + " did not end in 5 minutes:\n"
                    + Files.readString(out));
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "exit status of ./pvkit " + String.join(" ", args) + ":\n" + String.join("\n", lines));
        return lines;
    }

    @Test
    void demoWithTwoGuestsSucceedsWithPlainProgressAndASummary() throws Exception {
        Path out = Files.createTempFile("pvkit-demo", ".out");
        Path logs = Files.createTempDirectory("pvkit-demo-logs");
        List<String> lines = run(out, "demo", "--guests", "2", "--duration", "2s", "--log-dir", logs.toString());
        String all = String.join("\n", lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("demo OK: 2 guests powered off by themselves")), all);
        for (String g : List.of("guest1", "guest2")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(g + " ") && l.endsWith("poweroff")), g + ":\n" + all);
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\[\\d+\\.\\ds] " + g + ": \\w+.*round trips(, disk .*)?")),
                    "plain progress lines for " + g + " (stdout is not a terminal):\n" + all);
        }
        assertTrue(!all.contains("\033"), "no ANSI escapes when stdout is a file");
        try (var files = Files.list(logs)) {
            assertTrue(files.count() >= 2, "console logs in " + logs);
        }
    }
}
