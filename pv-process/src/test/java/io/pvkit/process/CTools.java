package io.pvkit.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Builds and runs the C programs of the tests with gcc; skips (or, with CI=true, fails) without gcc. */
final class CTools {
    private CTools() {
    }

    static Path moduleDir() {
        Path p = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return Files.isDirectory(p.resolve("src/main/c")) ? p : p.resolve("pv-process");
    }

    static boolean haveGcc() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void requireGcc(String why) {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean have = haveGcc();
        if (ci) {
            assertTrue(have, "CI=true: gcc is required for " + why);
        }
        assumeTrue(have, "gcc not found: skipping " + why);
    }

    /** Compiles {@code src/test/c/NAME.c} to {@code target/NAME} with -Wall -Werror and pvkit_mailbox.h on the path. */
    static Path build(String name, String... extra) throws IOException, InterruptedException {
        Path dir = moduleDir();
        Path out = dir.resolve("target").resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror",
                "-I", dir.resolve("src/main/c").toString(), "-o", out.toString(),
                dir.resolve("src/test/c").resolve(name + ".c").toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, p.exitValue(), "gcc failed: " + String.join(" ", cmd) + "\n" + log);
        return out;
    }

    static String run(Path exe) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
