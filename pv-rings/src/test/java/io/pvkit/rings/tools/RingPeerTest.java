package io.pvkit.rings.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring peer's argument checks and time limits (no second process: nobody answers). */
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
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> run(args("front", "--timeout-seconds", "0.2", "--window", "1"), out, new ByteArrayOutputStream()));
        assertEquals(3, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("front received=0 bad=0"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldTimeOutWhenNoFrontendInitialisesTheRing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> run(args("back", "--timeout-seconds", "0.2"), out, new ByteArrayOutputStream()));
        assertEquals(3, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("timeout"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldTimeOutWhenTheFrontendSendsNothing() {
        // a front with --count 0 initialises the ring, raises the ready flag and is done at once
        assertEquals(0, run(args("front", "--count", "0"), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> run(args("back", "--timeout-seconds", "0.2"), out, new ByteArrayOutputStream()));
        String line = out.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, line);
        assertTrue(line.startsWith("back served=0 bad=0") && line.contains("error=timeout"), line);
    }
}
