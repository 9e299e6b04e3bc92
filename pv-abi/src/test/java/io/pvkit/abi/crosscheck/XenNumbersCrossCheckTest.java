package io.pvkit.abi.crosscheck;

import io.pvkit.abi.xenstore.XsError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles {@code src/test/c/xen_abi_numbers.c} against the real Xen headers and compares every
 * number it prints with pv-abi's enums and constants ({@link XenNumbers}). The errno table and the
 * xenstore error table are printed by expanding the headers' own lists, so a value Xen has and pv-abi
 * lacks fails too.
 */
class XenNumbersCrossCheckTest {
    private static final Path SOURCE = Path.of("src", "test", "c", "xen_abi_numbers.c");

    @Test
    void shouldMatchTheRealXenHeaders() throws Exception {
        Map<String, Long> c = new TreeMap<>();
        List<String> cXsErrors = new ArrayList<>();
        for (String line : CProgram.compileAndRun(SOURCE, "xen-abi-numbers")) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 3 && p[0].equals("const")) {
                c.put(p[1], Long.parseLong(p[2]));
            } else if (p.length == 3 && p[0].equals("xserr")) {
                cXsErrors.add(p[1] + "=" + p[2]);
            } else {
                fail("unparseable line: " + line);
            }
        }
        Map<String, Long> java = XenNumbers.expected();
        List<String> bad = compare(java, c);
        List<String> javaXsErrors = new ArrayList<>();
        for (XsError e : XsError.values()) {
            javaXsErrors.add(e.name() + "=" + e.code());
        }
        if (!javaXsErrors.equals(cXsErrors)) {
            bad.add("xsd_errors[]: Java " + javaXsErrors + " != C " + cXsErrors);
        }
        String summary = "pv-abi numbers vs Xen headers: compared " + (c.size() + cXsErrors.size())
                + " constants, " + bad.size() + " mismatches";
        System.out.println(summary);
        if (!bad.isEmpty()) {
            fail(summary + ":\n  " + String.join("\n  ", bad));
        }
        assertTrue(c.size() > 200, summary);
    }

    static List<String> compare(Map<String, Long> java, Map<String, Long> c) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(java.keySet());
        names.addAll(c.keySet());
        for (String n : names) {
            Long j = java.get(n);
            Long k = c.get(n);
            if (j == null) {
                bad.add(n + ": in the Xen headers (" + k + ") but not in pv-abi");
            } else if (k == null) {
                bad.add(n + ": in pv-abi (" + j + ") but not printed by the C program");
            } else if (!j.equals(k)) {
                bad.add(n + ": pv-abi " + j + " != Xen " + k);
            }
        }
        return bad;
    }

    @Test
    void shouldReportEveryKindOfDisagreement() {
        List<String> bad = compare(Map.of("EVTCHNOP_send", 5L, "GNTST_okay", 0L, "XEN_EPERM", 1L),
                Map.of("EVTCHNOP_send", 4L, "GNTST_okay", 0L, "XEN_ENOENT", 2L));
        assertEquals(List.of("EVTCHNOP_send: pv-abi 5 != Xen 4",
                "XEN_ENOENT: in the Xen headers (2) but not in pv-abi",
                "XEN_EPERM: in pv-abi (1) but not printed by the C program"), bad);
    }
}
