package io.pvkit.abi.crosscheck;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles a C file of {@code src/test/c} with gcc against {@code /usr/include/xen} into
 * {@code target/} and runs it. With {@code CI=true} a missing gcc or missing headers fails the calling
 * test; elsewhere the test is aborted (skipped) with a message.
 */
final class CProgram {
    private static final Path HEADER = Path.of("/usr/include/xen/xen.h");

    private CProgram() {
    }

    static List<String> compileAndRun(Path source, String executableName) throws IOException, InterruptedException {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String missing = null;
        if (!Files.isRegularFile(HEADER)) {
            missing = HEADER + " is missing (install libxen-dev)";
        } else if (!onPath("gcc")) {
            missing = "gcc is not on PATH (install gcc)";
        }
        if (missing != null) {
            if (ci) {
                fail("CI=true and " + missing + ": the cross-check against the Xen headers must run in CI");
            }
            Assumptions.abort("skipping the Xen header cross-check: " + missing);
        }
        Path exe = Path.of("target", executableName).toAbsolutePath();
        Files.createDirectories(exe.getParent());
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O0", "-o", exe.toString(),
                source.toAbsolutePath().toString()));
        return run(List.of(exe.toString())).lines().toList();
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
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
