package io.pvkit.benchmarks.ring;

import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;
import io.pvkit.abi.memory.GuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One-way saturated throughput of 64-byte requests (each answered by a 16-byte response so that slots
 * are freed), frontend and backend on two threads over one 4 KiB page (32 slots). Invocations never
 * block; the {@code completed} counter is the score, {@code notifies} counts the push decisions.
 * {@code batch} bounds the requests in flight (and so the largest batch a push publishes): 1 is a
 * ping-pong, 32 fills the ring; the plain ring always fills it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class RingThroughputBenchmark {
    static final RingType TYPE = new RingType("bench", 64, 16, 8, new RingIdField(0, 8), new RingIdField(0, 8));

    /** Per-thread counters reported by JMH. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        /** Requests whose response came back. */
        public long completed;
        /** Pushes that decided to notify (front and back). */
        public long notifies;

        /** Resets per iteration. */
        @Setup(Level.Iteration)
        public void reset() {
            completed = 0;
            notifies = 0;
        }
    }

    /** pvkit rings over one page. */
    @State(Scope.Group)
    public static class Pvkit {
        Arena arena;
        SharedFrontRing front;
        SharedBackRing back;
        /** The back's handler, made once (a capturing lambda per call would allocate). */
        io.pvkit.rings.BackRing.RequestHandler serve;
        final MemorySegment request = MemorySegment.ofArray(new long[8]);
        /** Requests in flight at most. */
        @Param({"1", "4", "16", "32"})
        public int batch;

        /** Fresh ring per trial. */
        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            MemorySegment page = arena.allocate(4096, 4096);
            front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
            back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
            serve = back::putResponse;
        }

        /** Frees the page. */
        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** The plain SPSC baseline over one page (no checks, no event indices, batch publication). */
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

    /** JCTools SPSC queues (requests and responses), 32 entries, carrying preallocated 64-byte arrays. */
    @State(Scope.Group)
    public static class JcTools {
        SpscArrayQueue<long[]> requests;
        SpscArrayQueue<long[]> responses;
        final MemorySegment request = MemorySegment.ofArray(new long[8]);
        /** 64-byte request elements, reused round-robin (at most 32 are in flight). */
        final long[][] requestPool = new long[64][8];
        /** 16-byte response elements, reused round-robin by the backend. */
        final long[][] responsePool = new long[64][2];
        int nextRequest;
        int nextResponse;
        int inFlight;
        /** Requests in flight at most. */
        @Param({"1", "4", "16", "32"})
        public int batch;

        /** Fresh queues per trial. */
        @Setup(Level.Trial)
        public void setUp() {
            requests = new SpscArrayQueue<>(32);
            responses = new SpscArrayQueue<>(32);
        }
    }

    /**
     * pvkit frontend: fill free slots, push, collect responses.
     *
     * @param s the ring
     * @param c counters
     */
    @Benchmark
    @Group("pvkit")
    public void pvkitFront(Pvkit s, Counters c) {
        final SharedFrontRing front = s.front;
        while (front.outstandingRequests() < s.batch && front.putRequest(s.request) >= 0) {
            // fill
        }
        if (s.front.pushRequests()) {
            c.notifies++;
        }
        c.completed += s.front.pollResponses((id, r) -> { }, Integer.MAX_VALUE);
    }

    /**
     * pvkit backend: consume, answer, push.
     *
     * @param s the ring
     * @param c counters
     */
    @Benchmark
    @Group("pvkit")
    public void pvkitBack(Pvkit s, Counters c) {
        final SharedBackRing back = s.back;
        if (back.pollRequests(s.serve, Integer.MAX_VALUE) > 0 && back.pushResponses()) {
            c.notifies++;
        }
    }

    /**
     * Floor frontend.
     *
     * @param s the ring
     * @param c counters
     */
    @Benchmark
    @Group("plain")
    public void plainFront(Plain s, Counters c) {
        while (s.ring.put(s.request)) {
            // fill
        }
        s.ring.publish();
        c.completed += s.ring.pollResponses(s.response);
    }

    /**
     * Floor backend.
     *
     * @param s the ring
     */
    @Benchmark
    @Group("plain")
    public void plainBack(Plain s) {
        s.ring.serve(s.scratch);
    }

    /**
     * JCTools frontend.
     *
     * @param s the queues
     * @param c counters
     */
    @Benchmark
    @Group("jctools")
    public void jctoolsFront(JcTools s, Counters c) {
        while (s.inFlight < s.batch) {
            long[] element = s.requestPool[s.nextRequest++ & 63];
            MemorySegment.copy(s.request, ValueLayout.JAVA_LONG, 0, element, 0, 8);   // like a slot copy
            if (!s.requests.offer(element)) {
                s.nextRequest--;
                break;
            }
            s.inFlight++;
        }
        long[] r;
        while ((r = s.responses.poll()) != null) {
            s.inFlight--;
            c.completed++;
        }
    }

    /**
     * JCTools backend.
     *
     * @param s the queues
     */
    @Benchmark
    @Group("jctools")
    public void jctoolsBack(JcTools s) {
        long[] r;
        while ((r = s.requests.poll()) != null) {
            long[] rsp = s.responsePool[s.nextResponse++ & 63];
            System.arraycopy(r, 0, rsp, 0, 2);                                       // 16-byte response
            s.responses.offer(rsp);
        }
    }
}
