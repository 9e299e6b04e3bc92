package io.pvkit.benchmarks.ring;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import io.pvkit.rings.BackRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One complete exchange on one thread (no cache-line transfer): the front puts and pushes a 64-byte request,
 * the back polls it and puts and pushes a 16-byte response, the front polls the response. This is the CPU
 * cost of pvkit's checks and copies, and with {@code -prof gc} its allocation per exchange (target 0 B/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Thread)
public class RingPushPollBenchmark {
    /** Slots in the one-page ring of 64-byte slots: the batch that fills it. */
    static final int BATCH = 32;
    private Arena arena;
    private SharedFrontRing front;
    private SharedBackRing back;
    private final MemorySegment request = MemorySegment.ofArray(new long[8]);
    private BackRing.RequestHandler serve;
    private final FrontRing.ResponseHandler ignore = (id, r) -> { };

    /** A fresh one-page ring. */
    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        MemorySegment page = arena.allocate(4096, 4096);
        front = SharedFrontRing.initialise(GuestMemory.wrap(page), RingThroughputBenchmark.TYPE);
        back = SharedBackRing.attach(GuestMemory.wrap(page), RingThroughputBenchmark.TYPE);
        SharedBackRing b = back;
        serve = b::putResponse;
    }

    /** Frees the page. */
    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /**
     * One request and its response.
     *
     * @return responses received (1)
     */
    @Benchmark
    public int exchange() {
        front.putRequest(request);
        front.pushRequests();
        back.pollRequests(serve, Integer.MAX_VALUE);
        back.pushResponses();
        return front.pollResponses(ignore, Integer.MAX_VALUE);
    }

    /**
     * A full ring per push, as a saturated cross-process front and back run it: the front puts 32 requests and
     * pushes once, the back consumes all of them and pushes once, the front consumes all responses. The score is
     * per request (the index publications, fences and event-index reads are amortised over the batch).
     *
     * @return responses received (32)
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int exchangeBatch() {
        for (int i = 0; i < BATCH; i++) {
            front.putRequest(request);
        }
        front.pushRequests();
        back.pollRequests(serve, Integer.MAX_VALUE);
        back.pushResponses();
        return front.pollResponses(ignore, Integer.MAX_VALUE);
    }
}
