package io.pvkit.benchmarks.evtchn;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.events.EventChannels;
import io.pvkit.events.spi.VcpuKicker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Does {@code EVTCHNOP_send} scale across guests? Each benchmark thread is a different guest sending, through
 * the full hypercall dispatcher with the argument in its own memory, on its own interdomain channel to its own
 * peer (no domain, port or {@code shared_info} page is shared between threads); the pending bit is cleared
 * after each send, so every send does the whole 2-level marking, as {@code EventSendHypercallBenchmark.hypercallSend}
 * does. {@code oneGuest} runs on 1 thread, {@code twoGuests} on 2: throughput (aggregate over the threads) of
 * {@code twoGuests} divided by {@code oneGuest} is the scaling (2.0 is perfect; 1.0 or below means the guests
 * serialise).
 *
 * <p>{@code sendPath}: {@code library} is pv-events as it is; {@code globalReadLock} additionally takes one
 * {@link ReentrantReadWriteLock} read lock shared by every thread around each send, which is what pv-events'
 * send path did before it went per-channel (one global read lock: two CASes on one shared word per send).
 * The emulation lives here only (the library has one send path); it costs the library's per-channel lock
 * besides, so it is an upper bound of the old path's cost, and the old code itself is measured by running this
 * class from a jar built at the old commit.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class EventSendScalingBenchmark {
    /** Guest pairs: one per benchmark thread (at most this many threads). */
    static final int PAIRS = 2;
    /** {@code shared_info.evtchn_pending[0]} (x86_64, shared_info in frame 0). */
    private static final long PENDING_WORD = 2048;
    /** Where each sender keeps its {@code evtchn_send} argument (frame 1). */
    private static final long SEND_ARG = 4096 + 256;

    /** The hypervisor: {@link #PAIRS} pairs of domains, each with one channel from sender to receiver. */
    @State(Scope.Benchmark)
    public static class Hypervisor {
        /** Which send path to measure. */
        @Param({"library", "globalReadLock"})
        public String sendPath;

        final GuestMemory[] senders = new GuestMemory[PAIRS];
        final GuestMemory[] receivers = new GuestMemory[PAIRS];
        final int[] receiverPorts = new int[PAIRS];
        final ReentrantReadWriteLock globalLock = new ReentrantReadWriteLock();
        final AtomicInteger nextPair = new AtomicInteger();
        EventChannels channels;
        HypercallHandler handler;

        /** Registers the domains and connects each pair. */
        @Setup(Level.Trial)
        public void setUp() {
            channels = new EventChannels();
            for (int i = 0; i < PAIRS; i++) {
                int sender = 1 + 2 * i;
                int receiver = 2 + 2 * i;
                senders[i] = GuestMemory.allocate(2);
                receivers[i] = GuestMemory.allocate(1);
                channels.addDomain(new DomainSpec(sender, senders[i], 1, false), 0, VcpuKicker.POLLING);
                channels.addDomain(new DomainSpec(receiver, receivers[i], 1, false), 0, VcpuKicker.POLLING);
                receiverPorts[i] = channels.allocUnbound(receiver, DomId.SELF, sender);
                int senderPort = channels.bindInterdomain(sender, receiver, receiverPorts[i]);
                if (receiverPorts[i] <= 0 || senderPort <= 0) {
                    throw new IllegalStateException("setup failed: " + receiverPorts[i] + ", " + senderPort);
                }
                senders[i].setInt(SEND_ARG + EvtchnSendLayout.PORT_OFFSET, senderPort);
            }
            handler = new EventChannelHypercalls(channels);
        }

        /** Frees the memory. */
        @TearDown(Level.Trial)
        public void tearDown() {
            for (int i = 0; i < PAIRS; i++) {
                senders[i].close();
                receivers[i].close();
            }
        }
    }

    /** One benchmark thread: one sending guest. */
    @State(Scope.Thread)
    public static class Guest {
        HypercallContext caller;
        GuestMemory receiver;
        long portBit;
        long op;
        long send;

        /**
         * Takes the next free pair.
         *
         * @param hv the hypervisor
         */
        @Setup(Level.Trial)
        public void setUp(Hypervisor hv) {
            int i = hv.nextPair.getAndIncrement() % PAIRS;
            caller = HypercallContext.of(1 + 2 * i, 0, false, hv.senders[i]);
            receiver = hv.receivers[i];
            portBit = 1L << hv.receiverPorts[i];
            op = HypercallOp.EVENT_CHANNEL_OP.number();
            send = EvtchnOp.SEND.code();
        }
    }

    private static long sendOnce(Hypervisor hv, Guest g) {
        long r;
        if (hv.sendPath.equals("globalReadLock")) {
            ReentrantReadWriteLock.ReadLock lock = hv.globalLock.readLock();
            lock.lock();
            try {
                r = hv.handler.hypercall(g.caller, g.op, g.send, SEND_ARG, 0, 0, 0);
            } finally {
                lock.unlock();
            }
        } else {
            r = hv.handler.hypercall(g.caller, g.op, g.send, SEND_ARG, 0, 0, 0);
        }
        g.receiver.getAndBitwiseAndLong(PENDING_WORD, ~g.portBit);
        return r;
    }

    /**
     * One guest sending.
     *
     * @param hv the hypervisor
     * @param g this thread's guest
     * @return the hypercall's result (0)
     */
    @Benchmark
    @Threads(1)
    public long oneGuest(Hypervisor hv, Guest g) {
        return sendOnce(hv, g);
    }

    /**
     * Two guests sending at the same time, each on its own channel.
     *
     * @param hv the hypervisor
     * @param g this thread's guest
     * @return the hypercall's result (0)
     */
    @Benchmark
    @Threads(2)
    public long twoGuests(Hypervisor hv, Guest g) {
        return sendOnce(hv, g);
    }
}
