package io.pvkit.hypervisor.fault;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;

import java.util.ArrayList;
import java.util.List;

/**
 * What the fuzzing guest saw: hypercalls tried per op (and per sub-op for the ops with sub-ops), results per
 * errno, exceptions that escaped a hypercall, and violations (a result that is no Xen errno, an operation on
 * another domain's ports or grants that succeeded). Written by the fuzzer's vCPU only; read after it ended.
 */
final class FuzzStats {
    private static final int OPS = 64;
    private static final int SUBOPS = 32;

    final long[] perOp = new long[OPS + 1];
    final long[][] perSubOp = new long[OPS][SUBOPS + 1];
    final long[] errnoCounts = new long[200];
    long ok;
    long calls;
    long escapes;
    long ringWrites;
    long forbiddenAttempts;
    final List<String> violations = new ArrayList<>();
    final List<Throwable> escaped = new ArrayList<>();

    void count(long op, long cmd, long result) {
        calls++;
        int o = op >= 0 && op < OPS ? (int) op : OPS;
        perOp[o]++;
        if (o < OPS) {
            perSubOp[o][cmd >= 0 && cmd < SUBOPS ? (int) cmd : SUBOPS]++;
        }
        if (result >= 0) {
            ok++;
        } else if (-result < errnoCounts.length && XenErrno.ofResult(result).isPresent()) {
            errnoCounts[(int) -result]++;
        } else {
            violation("op " + op + " cmd " + cmd + " returned " + result + ", which is no Xen errno");
        }
    }

    void violation(String what) {
        if (violations.size() < 50) {
            violations.add(what);
        } else if (violations.size() == 50) {
            violations.add("... (more left off)");
        }
    }

    void escape(long op, long cmd, Throwable t) {
        escapes++;
        if (escaped.size() < 10) {
            escaped.add(new AssertionError("op " + op + " cmd " + cmd + " threw", t));
        }
    }

    /** The figures, one line per op and a line of errnos. */
    List<String> report() {
        List<String> out = new ArrayList<>();
        out.add(String.format("hypercalls tried: %,d (ok %,d); escapes %d; violations %d; ring writes %,d; "
                + "calls aimed at other domains %,d", calls, ok, escapes, violations.size(), ringWrites, forbiddenAttempts));
        long otherCalls = 0;
        int otherNumbers = 0;
        for (int o = 0; o <= OPS; o++) {
            if (perOp[o] == 0) {
                continue;
            }
            if (perOp[o] < calls / 200) {
                otherCalls += perOp[o];   // the rarely chosen numbers (no handler in pvkit): one line for all
                otherNumbers++;
                continue;
            }
            String name = o == OPS ? "unknown(>=64|<0)" : HypercallOp.of(o).map(Enum::name).orElse("op" + o);
            StringBuilder line = new StringBuilder(String.format("  %-18s %,10d", name, perOp[o]));
            if (o < OPS) {
                int shown = 0;
                for (int c = 0; c <= SUBOPS; c++) {
                    if (perSubOp[o][c] > perOp[o] / 100 && perSubOp[o][c] != perOp[o]) {
                        line.append(shown++ == 0 ? "  sub-ops " : " ").append(c == SUBOPS ? "other" : c)
                                .append('=').append(perSubOp[o][c]);
                    }
                }
            }
            out.add(line.toString());
        }
        out.add(String.format("  %-18s %,10d  (over %d op numbers)", "other ops", otherCalls, otherNumbers));
        StringBuilder errs = new StringBuilder("  errors by errno:");
        for (int e = 1; e < errnoCounts.length; e++) {
            if (errnoCounts[e] > 0) {
                String name = XenErrno.ofValue(e).map(Enum::name).orElse("E" + e);
                errs.append(' ').append(name).append('=').append(String.format("%,d", errnoCounts[e]));
            }
        }
        out.add(errs.toString());
        return out;
    }
}
