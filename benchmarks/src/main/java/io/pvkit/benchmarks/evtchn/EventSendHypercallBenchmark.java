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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * {@code EVTCHNOP_send} the way a guest issues it: {@code __HYPERVISOR_event_channel_op(EVTCHNOP_send, arg)}
 * through a {@link HypercallHandler} (pv-events' {@link EventChannelHypercalls}), the {@code evtchn_send}
 * structure in the caller's guest memory (copied in, validated, then the 2-level send). Target: at most 50 ns.
 * <ul>
 *   <li>{@code hypercallSend}: the full path on a port whose pending bit the benchmark clears after each
 *       send (so every send sets the bit and tests the mask and selector, as a first notification does);</li>
 *   <li>{@code hypercallSendCoalesced}: the full path on a port that is already pending;</li>
 *   <li>{@code directSend}: {@link EventChannels#send} without the dispatcher (what the hypercall adds);</li>
 *   <li>{@code baselineAtomicOr}: one {@code getAndBitwiseOr} on the pending word plus the same clearing store
 *       as {@code hypercallSend}: the floor.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Thread)
public class EventSendHypercallBenchmark {
    /** {@code shared_info.evtchn_pending[0]} (x86_64). */
    private static final long PENDING_WORD = 2048;
    private static final long SEND_ARG = 4096 + 256;
    private static final long SEND_COALESCED_ARG = 4096 + 512;
    private GuestMemory dom0;
    private GuestMemory guest;
    private EventChannels channels;
    private HypercallHandler handler;
    private HypercallContext caller;
    private int port;
    private long portBit;
    private long op;
    private long send;

    /** Two domains, two interdomain channels; the coalesced one is left pending. */
    @Setup(Level.Trial)
    public void setUp() {
        dom0 = GuestMemory.allocate(2);
        guest = GuestMemory.allocate(1);
        channels = new EventChannels();
        channels.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING);
        channels.addDomain(new DomainSpec(1, guest, 1, false), 0, VcpuKicker.POLLING);
        int guestPort = channels.allocUnbound(1, DomId.SELF, 0);
        port = channels.bindInterdomain(0, 1, guestPort);
        portBit = 1L << guestPort;
        int other = channels.allocUnbound(1, DomId.SELF, 0);
        int coalesced = channels.bindInterdomain(0, 1, other);
        channels.send(0, coalesced);
        dom0.setInt(SEND_ARG + EvtchnSendLayout.PORT_OFFSET, port);
        dom0.setInt(SEND_COALESCED_ARG + EvtchnSendLayout.PORT_OFFSET, coalesced);
        handler = new EventChannelHypercalls(channels);
        caller = HypercallContext.of(0, 0, true, dom0);
        op = HypercallOp.EVENT_CHANNEL_OP.number();
        send = EvtchnOp.SEND.code();
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        dom0.close();
        guest.close();
    }

    /**
     * Full path, pending bit cleared afterwards.
     *
     * @return the hypercall's result (0)
     */
    @Benchmark
    public long hypercallSend() {
        long r = handler.hypercall(caller, op, send, SEND_ARG, 0, 0, 0);
        guest.getAndBitwiseAndLong(PENDING_WORD, ~portBit);
        return r;
    }

    /**
     * Full path on a pending port.
     *
     * @return the hypercall's result (0)
     */
    @Benchmark
    public long hypercallSendCoalesced() {
        return handler.hypercall(caller, op, send, SEND_COALESCED_ARG, 0, 0, 0);
    }

    /**
     * The Java API without the dispatcher, pending bit cleared afterwards.
     *
     * @return the send's result (0)
     */
    @Benchmark
    public int directSend() {
        int r = channels.send(0, port);
        guest.getAndBitwiseAndLong(PENDING_WORD, ~portBit);
        return r;
    }

    /**
     * The floor: one atomic OR and the same clearing AND.
     *
     * @return the old word
     */
    @Benchmark
    public long baselineAtomicOr() {
        long old = guest.getAndBitwiseOrLong(PENDING_WORD, portBit);
        guest.getAndBitwiseAndLong(PENDING_WORD, ~portBit);
        return old;
    }
}
