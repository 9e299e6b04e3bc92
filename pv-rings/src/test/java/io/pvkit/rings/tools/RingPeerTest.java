package io.pvkit.rings.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring peer's argument checks, attach validation, time limits and a shared file shrunk under it. */
class RingPeerTest {
    @TempDir
    Path dir;

    private List<String> args(String role, String... overrides) {
        List<String> a = new ArrayList<>(List.of("--role", role, "--file", dir.resolve("ring").toString(),
                "--ring-pages", "1", "--request-size", "64", "--response-size", "16", "--count", "10"));
        a.addAll(List.of(overrides));
        return a;
    }

    private static int run(List<String> args, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return RingPeer.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource({"--window,0,--window must be at least 1", "--ring-pages,0,--ring-pages must be at least 1",
        "--count,-1,--count must not be negative", "--request-size,0,at least 16", "--response-size,-16,at least 16",
        "--timeout-seconds,0,--timeout-seconds", "--window,x,For input string"})
    void shouldExitWithUsageCodeOnOutOfRangeArgument(String name, String value, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(args("front", name, value), out, err);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(64, code, text);
        assertTrue(text.contains(message) && text.contains("usage"), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldExitWithUsageCodeWhenNoSlotFitsTheRing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(args("front", "--request-size", "8192"), new ByteArrayOutputStream(), err);
        assertEquals(64, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no 8192-byte slot fits"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldTimeOutWhenNoBackendAnswers() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> run(args("front", "--timeout-seconds", "0.2", "--window", "1"), out, new ByteArrayOutputStream()));
        assertEquals(3, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("front received=0 bad=0"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldTimeOutWhenNoFrontendInitialisesTheRing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> run(args("back", "--timeout-seconds", "0.2"), out, new ByteArrayOutputStream()));
        assertEquals(3, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("timeout"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldNotAttachToAFileLeftOverFromAFinishedRun() {
        // a front with --count 0 initialises the ring, raises the ready flag and exits: the file is left over
        assertEquals(0, run(args("front", "--count", "0"), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> run(args("back", "--timeout-seconds", "0.2"), out, new ByteArrayOutputStream()));
        String line = out.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, line);
        assertTrue(line.contains("waiting for the front") && line.contains("finished run"), line);
    }

    @Test
    void shouldTimeBothSidesAfterTheirWarmupAndReportTheirCpuTime() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            ByteArrayOutputStream backOut = new ByteArrayOutputStream();
            Future<Integer> back = pool.submit(() -> run(args("back", "--count", "400", "--warmup", "100",
                    "--timeout-seconds", "20"), backOut, new ByteArrayOutputStream()));
            ByteArrayOutputStream frontOut = new ByteArrayOutputStream();
            assertEquals(0, run(args("front", "--count", "400", "--warmup", "300", "--timeout-seconds", "20"), frontOut,
                    new ByteArrayOutputStream()), frontOut.toString(StandardCharsets.UTF_8));
            assertEquals(0, back.get(30, TimeUnit.SECONDS), backOut.toString(StandardCharsets.UTF_8));
            String frontLine = frontOut.toString(StandardCharsets.UTF_8);
            String backLine = backOut.toString(StandardCharsets.UTF_8);
            assertTrue(frontLine.matches("(?s)front received=400 bad=0 .* measured=100 cpu=[0-9]+\\.[0-9]{6}\\s*"), frontLine);
            assertTrue(backLine.matches("(?s)back served=400 bad=0 .* measured=300 cpu=[0-9]+\\.[0-9]{6}\\s*"), backLine);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseAStartThatDoesNotMatchTheRing() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> front = pool.submit(() -> run(args("front", "--count", "3", "--start", "0xFFFFFFF0",
                    "--timeout-seconds", "20"), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = run(args("back", "--count", "3", "--start", "0x10", "--timeout-seconds", "20"), out,
                    new ByteArrayOutputStream());
            String line = out.toString(StandardCharsets.UTF_8);
            assertEquals(RingPeer.EXIT_MISMATCH, code, line);
            assertTrue(line.contains("--start 0x10 but the front initialised the ring at 0xfffffff0"), line);
            // the right start then serves the same front
            ByteArrayOutputStream ok = new ByteArrayOutputStream();
            assertEquals(0, run(args("back", "--count", "3", "--start", "0xFFFFFFF0", "--timeout-seconds", "20"), ok,
                    new ByteArrayOutputStream()), ok.toString(StandardCharsets.UTF_8));
            assertEquals(0, front.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseARingWhoseIndicesDoNotMatchStart() throws Exception {
        // the control page says the front started at 0 and runs, but the ring's indices say otherwise
        assertEquals(0, run(args("front", "--count", "0"), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
        try (FileChannel ch = FileChannel.open(dir.resolve("ring"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(intBytes(RingPeer.STATE_RUNNING), 4096 + RingPeer.STATE_OFFSET);
            ch.write(intBytes(7777), 8);   // rsp_prod
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = run(args("back", "--timeout-seconds", "5"), out, new ByteArrayOutputStream());
        String line = out.toString(StandardCharsets.UTF_8);
        assertEquals(RingPeer.EXIT_MISMATCH, code, line);
        assertTrue(line.contains("does not match the ring's indices (rsp_prod 0x1e61"), line);
    }

    private static ByteBuffer intBytes(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v);
    }

    /**
     * Another process shrinks the shared file under both running peers: each reports a broken peer (exit 2)
     * instead of the JVM dying of SIGBUS ({@code InternalError}).
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldTreatAFileTruncatedByAnotherProcessAsABrokenPeer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> back = pool.submit(() -> runToLine(args("back", "--count", "1000000000", "--timeout-seconds", "60")));
            Future<String> front = pool.submit(() -> runToLine(args("front", "--count", "1000000000", "--timeout-seconds", "60")));
            Thread.sleep(500);
            Process truncate = new ProcessBuilder("truncate", "-s", "0", dir.resolve("ring").toString()).inheritIO().start();
            assertEquals(0, truncate.waitFor(), "truncate(1) failed");
            for (Future<String> peer : List.of(back, front)) {
                String line = peer.get(60, TimeUnit.SECONDS);
                assertTrue(line.startsWith("2 "), line);
                assertTrue(line.contains("truncated") || line.contains("faulted"), line);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private String runToLine(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = run(args, out, new ByteArrayOutputStream());
        return code + " " + out.toString(StandardCharsets.UTF_8);
    }
}
