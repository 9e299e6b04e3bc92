package io.pvkit.benchmarks.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantCopy;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GrantView;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MapResult;
import io.pvkit.grant.MappingLifetime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Not a JMH benchmark: a load-robust cross-check of {@code GrantMapBenchmark} and {@code GrantCopyBenchmark}
 * for a shared, overloaded machine. JMH's average time is wall-clock, so on a machine whose load average is
 * ten times its cores every score grows with the share of time the thread is descheduled; this probe runs
 * the same operations on one thread and divides the process's <em>CPU</em> time (JIT and GC threads
 * included, so after warm-up mostly this thread; and, for comparison, the wall-clock time) by the number of
 * operations, per round, and prints the median round. CPU time excludes the time a shared-arena close
 * spends waiting for the handshake with other threads, so for {@code SHARED} read the wall-clock column. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar
 * io.pvkit.benchmarks.grant.GrantCpuTimeProbe [rounds]}.
 */
public final class GrantCpuTimeProbe {
    private static volatile long sink;

    private GrantCpuTimeProbe() {
    }

    /**
     * @param args optional number of rounds (default 7)
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        GuestMemory granter = GuestMemory.allocate(4);
        GuestMemory mapper = GuestMemory.allocate(4);
        Map<MappingLifetime, GrantTables> tables = new LinkedHashMap<>();
        int ref = new GuestGrantTable(granter, 0).grantAccess(2, 1, true);
        granter.setByte(GuestMemory.gpaOf(1), (byte) 42);
        for (MappingLifetime l : MappingLifetime.values()) {
            GrantTables t = new GrantTables(l, 1024);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            tables.put(l, t);
        }
        GrantTables checked = tables.get(MappingLifetime.CHECKED);
        GrantCopy copy = new GrantCopy(ref, 1, 0, 2, DomId.SELF, 0, GuestMemory.PAGE_SIZE, GntCopy.SOURCE_GREF);
        MapResult viewMapping = checked.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        GrantView view = viewMapping.view();
        MemorySegment src = granter.segment();
        MemorySegment dst = mapper.segment();

        Map<String, LongSupplier> ops = new LinkedHashMap<>();
        for (MappingLifetime l : MappingLifetime.values()) {
            GrantTables t = tables.get(l);
            ops.put("mapReadUnmap" + l, () -> {
                MapResult m = t.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
                byte b = m.view() != null ? m.view().getByte(0) : m.segment().get(ValueLayout.JAVA_BYTE, 0);
                t.unmap(2, m.handle());
                return b;
            });
        }
        ops.put("mapUnmapDeviceOnly", () -> {
            MapResult m = checked.map(2, 1, ref, GntMap.DEVICE_MAP | GntMap.READONLY, 0);
            return checked.unmap(2, m.handle()) + m.devBusAddr();
        });
        ops.put("grantCopyJavaApi 4 KiB", () -> checked.copy(2, copy));
        ops.put("checkedViewCopyTo 4 KiB", () -> {
            view.copyTo(0, dst, GuestMemory.gpaOf(2), GuestMemory.PAGE_SIZE);
            return dst.get(ValueLayout.JAVA_BYTE, GuestMemory.gpaOf(2));
        });
        ops.put("baselineSegmentCopy 4 KiB", () -> {
            MemorySegment.copy(src, GuestMemory.gpaOf(1), dst, GuestMemory.gpaOf(2), GuestMemory.PAGE_SIZE);
            return dst.get(ValueLayout.JAVA_BYTE, GuestMemory.gpaOf(2));
        });

        System.out.println("load average at start: " + loadAverage());
        System.out.printf("%-28s %14s %14s%n", "operation", "CPU ns/op", "wall ns/op");
        for (Map.Entry<String, LongSupplier> e : ops.entrySet()) {
            LongSupplier op = e.getValue();
            long n = e.getKey().contains("SHARED") ? 10_000 : e.getKey().startsWith("map") ? 2_000_000 : 8_000_000;
            run(op, n * 2); // warm-up
            double[] cpu = new double[rounds];
            double[] wall = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long c0 = processCpuNanos();
                long w0 = System.nanoTime();
                run(op, n);
                wall[r] = (double) (System.nanoTime() - w0) / n;
                cpu[r] = (double) (processCpuNanos() - c0) / n;
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            System.out.printf("%-28s %14.1f %14.1f%n", e.getKey(), cpu[rounds / 2], wall[rounds / 2]);
        }
        System.out.println("load average at end: " + loadAverage());
        checked.unmap(2, viewMapping.handle());
        for (GrantTables t : tables.values()) {
            t.releaseDomain(1, Integer.MAX_VALUE);
        }
        granter.close();
        mapper.close();
    }

    /** The CPU time of the whole process (10 ms ticks: rounds last about a second, so that is 1 %). */
    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static void run(LongSupplier op, long n) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += op.getAsLong();
        }
        sink = acc;
    }
}
