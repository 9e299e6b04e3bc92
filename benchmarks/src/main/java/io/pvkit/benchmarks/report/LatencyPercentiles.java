package io.pvkit.benchmarks.report;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.jctools.queues.SpscArrayQueue;

/**
 * Round-trip latency distributions recorded one round trip at a time into HdrHistogram: two busy-polling threads
 * in one process over one 4 KiB page (pvkit's front and back rings, 64-byte request, 16-byte response), the same
 * exchange through a pair of JCTools {@code SpscArrayQueue}s, and a bare flag ping-pong over the same page (the
 * floor: one cache line each way). The series run interleaved in ten rounds (each round: a warm-up of half its
 * round trips, then its share recorded), so that a change of vCPU placement or load touches all of them alike, and
 * under a wall-clock cap so that a descheduled thread cannot stretch the report.
 */
final class LatencyPercentiles {
    private static final RingType TYPE = new RingType("bench", 64, 16, 8, new RingIdField(0, 8), new RingIdField(0, 8));
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private LatencyPercentiles() {
    }

    /** One series: a round trip to time, and the echo side to run on another thread. */
    private interface PingPong {
        /** Sends one request and waits for its answer; false when the echo side stopped. */
        boolean roundTrip();

        /** Echoes until {@code stop} says so. */
        void echo(BooleanSupplier stop);
    }

    /**
     * Records every series.
     *
     * @param roundTrips recorded round trips per series
     * @param capSeconds wall-clock cap per series
     * @return series name to histogram (nanoseconds)
     * @throws InterruptedException when interrupted
     */
    static Map<String, Histogram> record(int roundTrips, double capSeconds) throws InterruptedException {
        Map<String, Histogram> out = new LinkedHashMap<>();
        final int rounds = 10;
        try (Arena arena = Arena.ofShared()) {
            Map<String, PingPong> series = new LinkedHashMap<>();
            series.put("pvkit ring", pvkit(arena.allocate(4096, 4096)));
            series.put("JCTools SpscArrayQueue pair", jctools());
            series.put("flag ping-pong (floor)", flag(arena.allocate(4096, 4096)));
            series.keySet().forEach(k -> out.put(k, new Histogram(3_600_000_000_000L, 3)));
            // interleaved in rounds, so that a change of vCPU placement or load touches every series alike
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, PingPong> e : series.entrySet()) {
                    measure(e.getValue(), roundTrips / rounds, capSeconds / rounds, out.get(e.getKey()));
                }
            }
        }
        return out;
    }

    private static void measure(PingPong p, int roundTrips, double capSeconds, Histogram h) throws InterruptedException {
        final boolean[] stop = {false};
        VarHandle.releaseFence();
        Thread echo = Thread.ofPlatform().daemon().name("echo").start(() -> p.echo(() -> {
            VarHandle.acquireFence();
            return stop[0];
        }));
        long deadline = System.nanoTime() + (long) (capSeconds * 1e9);
        int warmup = roundTrips / 2;
        for (int i = 0; i < warmup + roundTrips; i++) {
            long t0 = System.nanoTime();
            if (!p.roundTrip()) {
                break;
            }
            long t = System.nanoTime() - t0;
            if (i >= warmup) {
                h.recordValue(t);
            }
            if ((i & 1023) == 0 && System.nanoTime() - deadline > 0) {
                break;
            }
        }
        stop[0] = true;
        VarHandle.fullFence();
        echo.join(10_000);
    }

    private static PingPong pvkit(MemorySegment page) {
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        MemorySegment request = MemorySegment.ofArray(new long[8]);
        FrontRing.ResponseHandler ignore = (id, r) -> { };
        BackRing.RequestHandler serve = back::putResponse;
        return new PingPong() {
            @Override
            public boolean roundTrip() {
                front.putRequest(request);
                front.pushRequests();
                while (front.pollResponses(ignore, 1) == 0) {
                    Thread.onSpinWait();
                }
                return true;
            }

            @Override
            public void echo(BooleanSupplier stop) {
                while (!stop.getAsBoolean()) {
                    if (back.pollRequests(serve, Integer.MAX_VALUE) > 0) {
                        back.pushResponses();
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
        };
    }

    private static PingPong jctools() {
        SpscArrayQueue<long[]> requests = new SpscArrayQueue<>(32);
        SpscArrayQueue<long[]> responses = new SpscArrayQueue<>(32);
        long[] request = new long[8];
        long[] element = new long[8];
        long[] response = new long[2];
        return new PingPong() {
            @Override
            public boolean roundTrip() {
                System.arraycopy(request, 0, element, 0, 8);
                requests.offer(element);
                while (responses.poll() == null) {
                    Thread.onSpinWait();
                }
                return true;
            }

            @Override
            public void echo(BooleanSupplier stop) {
                while (!stop.getAsBoolean()) {
                    long[] r = requests.poll();
                    if (r != null) {
                        System.arraycopy(r, 0, response, 0, 2);
                        responses.offer(response);
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
        };
    }

    private static PingPong flag(MemorySegment page) {
        return new PingPong() {
            private long sequence;

            @Override
            public boolean roundTrip() {
                long s = ++sequence;
                // ORDERING: release/acquire pairs with the echo thread's accesses of the other word
                LONG.setRelease(page, 0L, s);
                while ((long) LONG.getAcquire(page, 64L) != s) {
                    Thread.onSpinWait();
                }
                return true;
            }

            @Override
            public void echo(BooleanSupplier stop) {
                long seen = 0;
                while (!stop.getAsBoolean()) {
                    long s = (long) LONG.getAcquire(page, 0L);
                    if (s != seen) {
                        seen = s;
                        LONG.setRelease(page, 64L, s);
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
        };
    }
}
