package io.pvkit.benchmarks.crossprocess;

import io.pvkit.abi.spi.IdleStrategy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The Java twin of {@code benchmarks/src/main/c/flag_pingpong.c}: two processes bounce a counter through
 * the words at offsets 0 and 8 of a memory-mapped file (where {@code io/ring.h} keeps {@code req_prod} and
 * {@code rsp_prod}), waiting with RingPeer's policy (one spin, 1000 yields, then 20 µs sleeps). Same file,
 * same protocol as the C program, so either side can be C or Java.
 *
 * <pre>java -cp benchmarks.jar io.pvkit.benchmarks.crossprocess.JavaFlagPingPong ping|pong FILE COUNT [TIMEOUT-S [WARMUP]]</pre>
 * The ping side's timer starts after {@code WARMUP} round trips (JIT warm-up excluded).
 */
public final class JavaFlagPingPong {
    /** The control page's magic ({@code "PVKF"}), written by the ping side once the words are cleared. */
    static final int MAGIC = 0x464B5650;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long PAGE = 4096;

    private JavaFlagPingPong() {
    }

    /**
     * Runs one side.
     *
     * @param args {@code ping|pong FILE COUNT [TIMEOUT-SECONDS [WARMUP]]}
     * @throws IOException when the file cannot be mapped
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: JavaFlagPingPong ping|pong FILE COUNT [TIMEOUT-SECONDS]");
            System.exit(64);
        }
        boolean ping = args[0].equals("ping");
        int count = Integer.parseInt(args[2]);
        long deadline = System.nanoTime() + (long) (Double.parseDouble(args.length > 3 ? args[3] : "60") * 1e9);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            if (ch.size() < 2 * PAGE) {
                ch.truncate(2 * PAGE);
                ch.write(java.nio.ByteBuffer.allocate(1), 2 * PAGE - 1);
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, 2 * PAGE, arena);
            IdleStrategy idle = IdleStrategy.backoff(1, 1_000, 20_000, 20_000);
            int code = ping ? ping(m, count, warmup, idle, deadline) : pong(m, count, idle, deadline);
            System.exit(code);
        }
    }

    private static int ping(MemorySegment m, int count, int warmup, IdleStrategy idle, long deadline) {
        INT.setVolatile(m, PAGE, 0);
        INT.setVolatile(m, 0L, 0);
        INT.setVolatile(m, 8L, 0);
        // ORDERING: release; the pong side sees the cleared words before the magic.
        INT.setRelease(m, PAGE, MAGIC);
        long t0 = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            if (i == warmup + 1) {
                t0 = System.nanoTime();
            }
            INT.setRelease(m, 0L, i);
            if (!await(m, 8L, i, idle, deadline)) {
                System.out.println("ping n=" + (i - 1) + " error=timeout");
                return 3;
            }
        }
        long t = System.nanoTime() - t0;
        INT.setRelease(m, PAGE, 0);
        System.out.println(String.format(Locale.ROOT, "ping n=%d measured=%d seconds=%.6f", count, count - warmup, t / 1e9));
        return 0;
    }

    private static int pong(MemorySegment m, int count, IdleStrategy idle, long deadline) {
        if (!await(m, PAGE, MAGIC, idle, deadline)) {
            System.out.println("pong n=0 error=timeout");
            return 3;
        }
        long t0 = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            if (!await(m, 0L, i, idle, deadline)) {
                System.out.println("pong n=" + (i - 1) + " error=timeout");
                return 3;
            }
            INT.setRelease(m, 8L, i);
        }
        System.out.println(String.format(Locale.ROOT, "pong n=%d seconds=%.6f", count, (System.nanoTime() - t0) / 1e9));
        return 0;
    }

    private static boolean await(MemorySegment m, long offset, int want, IdleStrategy idle, long deadline) {
        idle.reset();
        int n = 0;
        // ORDERING: acquire; pairs with the other side's release store.
        while ((int) INT.getAcquire(m, offset) != want) {
            if ((++n & 255) == 0 && System.nanoTime() - deadline > 0) {
                return false;
            }
            idle.idle();
        }
        return true;
    }
}
