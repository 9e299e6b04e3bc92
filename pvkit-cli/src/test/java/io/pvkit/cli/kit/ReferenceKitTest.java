package io.pvkit.cli.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Proof of issue 10: the reference hypervisor's full dispatch path passes the kit's hypercall,
 * event-channel and grant verifications. The runner's report stays in {@code target/conformance-report}.
 */
class ReferenceKitTest {

    @Test
    void theReferenceHypervisorPassesTheKitThroughItsDispatcher() throws Exception {
        Path out = Path.of("target", "conformance-report");
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        int status = ReferenceKit.run(out, new PrintStream(table, true, StandardCharsets.UTF_8));
        String text = table.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertEquals(0, status, "a MUST rule failed:\n" + text);
        String report = Files.readString(out.resolve("conformance-report.md"));
        for (String rule : new String[] {"HC-01", "EVT-01", "GNT-01"}) {
            assertTrue(report.contains(rule), rule + " missing from the report");
        }
        assertTrue(Files.exists(out.resolve("TEST-junit-jupiter.xml")), "JUnit XML");
    }
}
