package io.pvkit.conformance.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The failure hints resource is generated from the verification classes' Javadoc; it must not be stale. */
class FailureHintsTest {

    private static final Path SOURCES = Path.of("src/main/java/io/pvkit/conformance");
    private static final Path RESOURCE = Path.of("src/main/resources/io/pvkit/conformance/runner", FailureHints.RESOURCE);

    static Map<String, String> extractAll() throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith("Verification.java")).sorted().toList()) {
                String simple = f.getFileName().toString().replace(".java", "");
                for (Map.Entry<String, String> e : FailureHints.extract(Files.readString(f)).entrySet()) {
                    all.put(simple + "." + e.getKey(), e.getValue());
                }
            }
        }
        return all;
    }

    @Test
    void shouldMatchTheCheckedInHintsResource() throws IOException {
        String rendered = FailureHints.render(extractAll());
        if (Boolean.getBoolean("pvkit.updateRules")) {
            Files.writeString(RESOURCE, rendered, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(RESOURCE), RESOURCE + " is missing; generate it with: "
                + "./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true");
        assertEquals(rendered, Files.readString(RESOURCE, StandardCharsets.UTF_8),
                RESOURCE + " is out of date with the verifications' Javadoc; regenerate it with: "
                        + "./mvnw -q -B -pl conformance-tests -am verify -Dpvkit.updateRules=true");
    }

    @Test
    void shouldExtractTheHintOfEveryMethodAsPlainText() throws IOException {
        Map<String, String> all = extractAll();
        assertTrue(all.size() >= 70, "hints found: " + all.size());
        String hc01 = all.get("HypercallErrorVerification.required_HC_01_unknownHypercallsReturnEnosysWithoutSideEffect");
        assertEquals("the dispatch table's bounds check (op >= NR_hypercalls and negative values as unsigned 64-bit "
                + "numbers); that the default branch returns -ENOSYS, not 0 or -EINVAL; that no argument is read or "
                + "written before the op is known.", hc01);
        for (Map.Entry<String, String> e : all.entrySet()) {
            assertTrue(!e.getValue().contains("<") || !e.getValue().matches(".*<[a-z/]+>.*"), "HTML left in " + e);
            assertTrue(!e.getValue().contains("{@"), "Javadoc tag left in " + e);
        }
    }

    @Test
    void shouldKeepComparisonsInsideCodeTags() {
        String source = """
                class X {
                    /**
                     * Rule.
                     *
                     * <p>If this fails, check:
                     * <ul>
                     *   <li>the check is {@code 0 <= offset} and {@code offset + size <= 4096}, {@code a > b};</li>
                     *   <li>{@code List<String>} and {@link Y#z one < two}.</li>
                     * </ul>
                     */
                    @Test
                    public void required_X_01_something() {
                    }
                }
                """;
        assertEquals("the check is 0 <= offset and offset + size <= 4096, a > b; List<String> and one < two.",
                FailureHints.extract(source).get("required_X_01_something"));
        assertEquals("the check is 0 <= offset and offset + size <= 4096 without overflow (e.g. "
                + "Objects.checkFromIndexSize), against the frame, not against the granter's memory; a negative length "
                + "is refused before anything moves; the check comes before the first byte is read or written, for "
                + "channel transfers too.", FailureHints.all().get(
                "GrantMappedFrameVerification.required_GNT_33_noAccessReachesOutsideTheFrame"));
    }

    @Test
    void shouldLoadTheHintsAtRunTime() {
        assertTrue(FailureHints.of("required_HC_01_unknownHypercallsReturnEnosysWithoutSideEffect").orElseThrow()
                .startsWith("the dispatch table's bounds check"));
        assertTrue(FailureHints.of("no_such_method").isEmpty());
        // a method both ring verifications declare: found through the concrete class's superclasses
        String front = FailureHints.of("io.pvkit.conformance.ring.PvkitFrontRingConformanceTest",
                "required_RING_22_pushNotifiesExactlyWhenEventInWindow").orElseThrow();
        String back = FailureHints.of("io.pvkit.conformance.ring.PvkitBackRingConformanceTest",
                "required_RING_22_pushNotifiesExactlyWhenEventInWindow").orElseThrow();
        assertTrue(!front.equals(back), front);
        assertEquals(FailureHints.all().get("FrontRingVerification.required_RING_22_pushNotifiesExactlyWhenEventInWindow"), front);
        assertTrue(FailureHints.of("required_RING_22_pushNotifiesExactlyWhenEventInWindow").isEmpty(), "ambiguous alone");
    }
}
