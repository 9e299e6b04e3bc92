package io.pvkit.benchmarks.ring;

import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;
import io.pvkit.abi.memory.GuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

/**
 * Round trip of one 64-byte request and its 16-byte response between two busy-polling threads. The
 * backend's invocations never block; the frontend's invocation is one complete round trip, so the
 * score of the front method is the latency (the back method's score is meaningless).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class RingPingPongBenchmark {
    private static final int STOPPED = 0;
    private static final long[] NONE = new long[0];

    /** pvkit rings over one page. */
    @State(Scope.Group)
    public static class Pvkit {
        Arena arena;
        SharedFrontRing front;
        SharedBackRing back;
        /** The back's handler, made once (a capturing lambda per call would allocate). */
        io.pvkit.rings.BackRing.RequestHandler serve;
        final MemorySegment request = MemorySegment.ofArray(new long[8]);
        volatile boolean running;

        /** Fresh ring per trial. */
        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            MemorySegment page = arena.allocate(4096, 4096);
            front = SharedFrontRing.initialise(GuestMemory.wrap(page), RingThroughputBenchmark.TYPE);
            back = SharedBackRing.attach(GuestMemory.wrap(page), RingThroughputBenchmark.TYPE);
            serve = back::putResponse;
        }

        /** Frees the page. */
        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** The plain SPSC baseline (no checks, no event indices). */
    @State(Scope.Group)
    public static class Plain {
        Arena arena;
        PlainSpscRing ring;
        final MemorySegment request = MemorySegment.ofArray(new long[8]);
        final MemorySegment response = MemorySegment.ofArray(new long[2]);
        final MemorySegment scratch = MemorySegment.ofArray(new long[8]);

        /** Fresh ring per trial. */
        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            ring = new PlainSpscRing(arena.allocate(4096, 4096));
        }

        /** Frees the page. */
        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** JCTools queue pair. */
    @State(Scope.Group)
    public static class JcTools {
        final SpscArrayQueue<long[]> requests = new SpscArrayQueue<>(32);
        final SpscArrayQueue<long[]> responses = new SpscArrayQueue<>(32);
        final long[] request = new long[8];
        /** The element handed over (one round trip in flight), filled by a 64-byte copy like a slot. */
        final long[] requestElement = new long[8];
        /** The backend's 16-byte response element. */
        final long[] responseElement = new long[2];
    }

    /**
     * One pvkit round trip (the spin ends when JMH stops the measurement, so the end of an iteration never hangs).
     *
     * @param s the ring
     * @param control JMH's stop signal
     * @return responses received (1, or 0 if the measurement stopped)
     */
    @Benchmark
    @Group("pvkit")
    public int pvkitRoundTrip(Pvkit s, Control control) {
        s.front.putRequest(s.request);
        s.front.pushRequests();
        while (!control.stopMeasurement) {
            int n = s.front.pollResponses((id, r) -> { }, 1);
            if (n > 0) {
                return n;
            }
            Thread.onSpinWait();
        }
        return STOPPED;
    }

    /**
     * pvkit backend step.
     *
     * @param s the ring
     * @return requests served
     */
    @Benchmark
    @Group("pvkit")
    public int pvkitServe(Pvkit s) {
        final SharedBackRing back = s.back;
        int n = back.pollRequests(s.serve, Integer.MAX_VALUE);
        if (n > 0) {
            back.pushResponses();
        }
        return n;
    }

    /**
     * One floor round trip.
     *
     * @param s the ring
     * @param control JMH's stop signal
     * @return responses received
     */
    @Benchmark
    @Group("plain")
    public int plainRoundTrip(Plain s, Control control) {
        s.ring.put(s.request);
        s.ring.publish();
        while (!control.stopMeasurement) {
            int n = s.ring.pollResponses(s.response);
            if (n > 0) {
                return n;
            }
            Thread.onSpinWait();
        }
        return STOPPED;
    }

    /**
     * Floor backend step.
     *
     * @param s the ring
     * @return requests served
     */
    @Benchmark
    @Group("plain")
    public int plainServe(Plain s) {
        return s.ring.serve(s.scratch);
    }

    /**
     * One JCTools round trip.
     *
     * @param s the queues
     * @param control JMH's stop signal
     * @return the response
     */
    @Benchmark
    @Group("jctools")
    public long[] jctoolsRoundTrip(JcTools s, Control control) {
        System.arraycopy(s.request, 0, s.requestElement, 0, 8);
        s.requests.offer(s.requestElement);
        while (!control.stopMeasurement) {
            long[] r = s.responses.poll();
            if (r != null) {
                return r;
            }
            Thread.onSpinWait();
        }
        return NONE;
    }

    /**
     * JCTools backend step.
     *
     * @param s the queues
     * @return whether a request was served
     */
    @Benchmark
    @Group("jctools")
    public boolean jctoolsServe(JcTools s) {
        long[] r = s.requests.poll();
        if (r == null) {
            return false;
        }
        System.arraycopy(r, 0, s.responseElement, 0, 2);
        return s.responses.offer(s.responseElement);
    }
}
