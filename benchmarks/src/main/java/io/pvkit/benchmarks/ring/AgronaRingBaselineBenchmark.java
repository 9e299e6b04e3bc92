package io.pvkit.benchmarks.ring;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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
import org.openjdk.jmh.infra.Control;

/**
 * The Agrona baseline of the ring benchmarks: two {@link OneToOneRingBuffer}s (requests, responses)
 * carrying the same 64-byte requests and 16-byte responses, at most 32 in flight. Agrona 2.x needs
 * {@code jdk.internal.misc} on JDK 25, so this class alone forks with that export (benchmark-only).
 */
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class AgronaRingBaselineBenchmark {
    private static final int MSG = 1;

    /** The two ring buffers and the messages. */
    @State(Scope.Group)
    public static class Rings {
        OneToOneRingBuffer requests;
        OneToOneRingBuffer responses;
        final UnsafeBuffer request = new UnsafeBuffer(new byte[64]);
        int inFlight;

        /** Fresh buffers per trial. */
        @Setup(Level.Trial)
        public void setUp() {
            requests = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
            responses = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
        }
    }

    /** Per-thread counters reported by JMH. */
    @org.openjdk.jmh.annotations.AuxCounters(org.openjdk.jmh.annotations.AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        /** Requests whose response came back. */
        public long completed;

        /** Resets per iteration. */
        @Setup(Level.Iteration)
        public void reset() {
            completed = 0;
        }
    }

    /**
     * Saturated throughput, frontend side (compare with {@code RingThroughputBenchmark}).
     *
     * @param s the buffers
     * @param c counters
     */
    @Benchmark
    @Group("throughput")
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void front(Rings s, Counters c) {
        while (s.inFlight < 32 && s.requests.write(MSG, s.request, 0, 64)) {
            s.inFlight++;
        }
        int n = s.responses.read((type, buffer, index, length) -> { });
        s.inFlight -= n;
        c.completed += n;
    }

    /**
     * Saturated throughput, backend side.
     *
     * @param s the buffers
     */
    @Benchmark
    @Group("throughput")
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void back(Rings s) {
        final OneToOneRingBuffer responses = s.responses;
        s.requests.read((type, buffer, index, length) -> responses.write(MSG, buffer, index, 16));
    }

    /**
     * One round trip (compare with {@code RingPingPongBenchmark}).
     *
     * @param s the buffers
     * @param control JMH's stop signal
     * @return responses received
     */
    @Benchmark
    @Group("pingPong")
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int roundTrip(Rings s, Control control) {
        s.requests.write(MSG, s.request, 0, 64);
        while (!control.stopMeasurement) {
            int n = s.responses.read((type, buffer, index, length) -> { });
            if (n > 0) {
                return n;
            }
            Thread.onSpinWait();
        }
        return 0;
    }

    /**
     * Backend step of the round trip.
     *
     * @param s the buffers
     * @return requests served
     */
    @Benchmark
    @Group("pingPong")
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int serve(Rings s) {
        final OneToOneRingBuffer responses = s.responses;
        return s.requests.read((type, buffer, index, length) -> responses.write(MSG, buffer, index, 16));
    }
}
