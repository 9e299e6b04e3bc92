package io.pvkit.kvm.internal;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs gcc and other host tools for the tests. With {@code CI=true} a missing tool or header fails the
 * calling test; elsewhere the test is skipped with a message that says what is missing.
 */
public final class Gcc {
    private Gcc() {
    }

    /**
     * Skips (or, with CI=true, fails) unless the tools and files exist.
     *
     * @param tools executables that must be on PATH
     * @param files files that must exist (headers)
     */
    public static void require(List<String> tools, List<Path> files) {
        String missing = null;
        for (String t : tools) {
            if (!onPath(t)) {
                missing = t + " is not on PATH";
            }
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                missing = f + " is missing (install " + (f.toString().contains("xen") ? "libxen-dev" : "linux-libc-dev")
                        + ")";
            }
        }
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + missing);
            }
            Assumptions.abort("skipped: " + missing);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Compiles {@code src/test/c/NAME} into {@code target/} and runs it.
     *
     * @param source the C file
     * @param executable the output name
     * @return the program's output lines
     * @throws IOException when a process cannot start
     * @throws InterruptedException when interrupted
     */
    public static List<String> compileAndRun(Path source, String executable) throws IOException, InterruptedException {
        require(List.of("gcc"), List.of(Path.of("/usr/include/linux/kvm.h"),
                Path.of("/usr/include/xen/arch-x86/hvm/start_info.h")));
        Path exe = Path.of("target", executable).toAbsolutePath();
        Files.createDirectories(exe.getParent());
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O0", "-o", exe.toString(),
                source.toAbsolutePath().toString()));
        return run(List.of(exe.toString())).lines().toList();
    }

    /**
     * Runs a command; fails the test when it exits non-zero or runs longer than a minute.
     *
     * @param command the command
     * @return its output (stdout and stderr)
     * @throws IOException when it cannot start
     * @throws InterruptedException when interrupted
     */
    public static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail("failed (" + p.exitValue() + "): " + command + "\n" + text);
        }
        return text;
    }
}
