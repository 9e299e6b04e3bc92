package io.pvkit.rings.tools;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * pvkit against a C peer compiled with gcc against Debian's {@code xen/io/ring.h}, as a separate
 * process over a shared memory-mapped file, in both directions, with index wrap. Runs whenever
 * {@code CI=true} (and fails if gcc or the headers are missing); skips locally without them.
 */
class CRingInteropTest {
    private static final Path SOURCE = Path.of("src/test/c/ring_peer.c");
    private static final Path OUT = Path.of("target/c");
    private static final int COUNT = 20_000;

    @BeforeAll
    static void requireToolchain() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String missing = null;
        if (!Files.exists(Path.of("/usr/include/xen/io/ring.h"))) {
            missing = "/usr/include/xen/io/ring.h is missing (apt-get install libxen-dev)";
        } else if (!onPath("gcc")) {
            missing = "gcc is not on the PATH";
        }
        if (missing != null) {
            if (ci) {
                fail("CI=true but " + missing);
            }
            Assumptions.abort("skipping the C interop test: " + missing);
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static Path compile(int requestSize, int responseSize) throws Exception {
        Files.createDirectories(OUT);
        Path exe = OUT.resolve("ring_peer_" + requestSize + "_" + responseSize);
        // gcc checks pvkit's slot size (the io/ring.h union, rounded to its alignment) at compile time
        int slotSize = new RingPeer.Options(true, OUT, 1, requestSize, responseSize, 0, 0, 0, 1, 1).type().slotSize();
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-DREQ_SIZE=" + requestSize,
                "-DRSP_SIZE=" + responseSize, "-DSLOT_SIZE=" + slotSize, "-o", exe.toString(), SOURCE.toString())
                .redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + log);
        return exe;
    }

    private static Process startC(Path exe, String role, Path file, int pages, String start) throws IOException {
        return new ProcessBuilder(List.of(exe.toString(), role, file.toString(), Integer.toString(pages),
                Integer.toString(COUNT), start, "12345", "0xFFFFFFFF", "100")).redirectErrorStream(true).start();
    }

    private static String finish(Process p) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "C peer did not finish");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    private static RingPeer.Result runJava(boolean front, Path file, int pages, int req, int rsp, String start) {
        return RingPeer.run(RingPeer.parse(new String[] {
            "--role", front ? "front" : "back", "--file", file.toString(), "--ring-pages", Integer.toString(pages),
            "--request-size", Integer.toString(req), "--response-size", Integer.toString(rsp),
            "--count", Integer.toString(COUNT), "--start", start, "--seed", "99", "--timeout-seconds", "100"}));
    }

    @ParameterizedTest
    @CsvSource({"64,16,1,0xFFFFFFF0", "32,96,1,0xFFFFFF00", "112,16,2,0", "20,16,1,0", "20,16,1,0xFFFFFFF8"})
    void shouldServeCFrontendFromPvkitBackend(int req, int rsp, int pages, String start, @TempDir Path dir) throws Exception {
        Path exe = compile(req, rsp);
        Path file = dir.resolve("ring");
        Process c = startC(exe, "front", file, pages, start);
        RingPeer.Result back;
        String cLine;
        try {
            back = runJava(false, file, pages, req, rsp, start);
            cLine = finish(c);
        } finally {
            c.destroyForcibly();
        }
        assertEquals(0, c.exitValue(), "C front: " + cLine);
        assertEquals(0, back.exitCode(), back.line());
        assertEquals(COUNT, back.exchanged());
        assertTrue(cLine.startsWith("front sent=" + COUNT + " received=" + COUNT + " bad=0"), cLine);
    }

    @ParameterizedTest
    @CsvSource({"64,16,1,0xFFFFFFF0", "32,96,1,0xFFFFFF00", "112,16,2,0", "20,16,1,0", "20,16,1,0xFFFFFFF8"})
    void shouldDriveCBackendFromPvkitFrontend(int req, int rsp, int pages, String start, @TempDir Path dir) throws Exception {
        Path exe = compile(req, rsp);
        Path file = dir.resolve("ring");
        Process c = startC(exe, "back", file, pages, start);
        RingPeer.Result front;
        String cLine;
        try {
            front = runJava(true, file, pages, req, rsp, start);
            cLine = finish(c);
        } finally {
            c.destroyForcibly();
        }
        assertEquals(0, c.exitValue(), "C back: " + cLine);
        assertEquals(0, front.exitCode(), front.line());
        assertEquals(COUNT, front.exchanged());
        assertEquals(0, front.bad());
        assertTrue(cLine.startsWith("back served=" + COUNT + " bad=0"), cLine);
        long expectedIndex = (Long.decode(start) + COUNT) & 0xFFFFFFFFL;
        assertTrue(cLine.contains("req_cons=" + expectedIndex), "indices wrapped identically: " + cLine);
    }

    @Test
    void shouldTimeOutCPeerWithoutAFrontend(@TempDir Path dir) throws Exception {
        Path exe = compile(64, 16);
        Process c = new ProcessBuilder(List.of(exe.toString(), "back", dir.resolve("ring").toString(), "1", "10", "0",
                "1", "1", "0.3")).redirectErrorStream(true).start();
        try {
            String line = finish(c);
            assertEquals(3, c.exitValue(), line);
            assertTrue(line.contains("timeout"), line);
        } finally {
            c.destroyForcibly();
        }
    }

    @Test
    void shouldRejectBadArgumentsWithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RingPeer.run(new String[] {"--role", "sideways"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(64, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage"));
    }
}
