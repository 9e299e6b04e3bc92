package io.pvkit.abi.crosscheck;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles {@code src/test/c/xen_abi_layouts.c} with gcc against the real Xen headers
 * ({@code /usr/include/xen}, Debian {@code libxen-dev}), runs it, and compares its
 * sizeof/_Alignof/offsetof table with every layout pv-abi declares. With {@code CI=true} a missing gcc
 * or missing headers is a failure; elsewhere the test is skipped with a message.
 */
class XenHeaderCrossCheckTest {
    private static final Path SOURCE = Path.of("src", "test", "c", "xen_abi_layouts.c");
    private static final Path HEADER = Path.of("/usr/include/xen/xen.h");

    @Test
    void shouldMatchTheRealXenHeaders() throws Exception {
        List<String> table = runCProgram();
        StructTable c = StructTable.parseC(table);
        StructTable java = LayoutScanner.javaTable();
        StructTable.Comparison result = StructTable.compare(java, c);
        String summary = "pv-abi vs Xen headers: compared " + result.structsCompared() + " structs and "
                + result.fieldsCompared() + " fields, " + result.mismatches().size() + " mismatches";
        System.out.println(summary);
        Files.writeString(Path.of("target", "xen-abi-crosscheck.txt"),
                summary + "\n" + String.join("\n", result.mismatches()) + "\n");
        if (!result.matches()) {
            fail(summary + ":\n  " + String.join("\n  ", result.mismatches()));
        }
        assertTrue(result.structsCompared() >= 40, summary);
        assertEquals(java.structs().size(), result.structsCompared(), "every Java layout is compared");
    }

    private static List<String> runCProgram() throws IOException, InterruptedException {
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
        Path exe = Path.of("target", "xen-abi-layouts").toAbsolutePath();
        Files.createDirectories(exe.getParent());
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O0", "-o", exe.toString(),
                SOURCE.toAbsolutePath().toString()));
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
