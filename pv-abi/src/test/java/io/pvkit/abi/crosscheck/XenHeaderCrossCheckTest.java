package io.pvkit.abi.crosscheck;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    @Test
    void shouldMatchTheRealXenHeaders() throws Exception {
        List<String> table = CProgram.compileAndRun(SOURCE, "xen-abi-layouts");
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

}
