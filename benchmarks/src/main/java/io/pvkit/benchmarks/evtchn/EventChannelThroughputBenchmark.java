package io.pvkit.benchmarks.evtchn;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.EventChannels;
import io.pvkit.events.UpcallDemultiplexer;
import io.pvkit.events.spi.VcpuKicker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Operations per second on one thread:
 * <ul>
 *   <li>{@code sendCoalesced}: send on a port that is already pending (Xen's first test-and-set stops);</li>
 *   <li>{@code sendAndDemux}: send, then the guest's upcall dispatches it (the full 2-level path);</li>
 *   <li>{@code allocBindClose}: alloc_unbound + bind_interdomain + close (port-table churn);</li>
 *   <li>{@code baselineAtomicOr}: the floor, one {@code getAndBitwiseOr} on the same shared_info word.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class EventChannelThroughputBenchmark {
    private GuestMemory dom0;
    private GuestMemory guest;
    private EventChannels ec;
    private UpcallDemultiplexer demux;
    private int dom0Port;
    private int coalescedPort;
    private long handled;

    /** Sets up two domains with two channels; one of them is left pending. */
    @Setup(Level.Trial)
    public void setUp() {
        dom0 = GuestMemory.allocate(1);
        guest = GuestMemory.allocate(1);
        ec = new EventChannels();
        ec.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING);
        ec.addDomain(new DomainSpec(1, guest, 1, false), 0, VcpuKicker.POLLING);
        int guestPort = ec.allocUnbound(1, DomId.SELF, 0);
        dom0Port = ec.bindInterdomain(0, 1, guestPort);
        int other = ec.allocUnbound(1, DomId.SELF, 0);
        coalescedPort = ec.bindInterdomain(0, 1, other);
        ec.send(0, coalescedPort);
        demux = new UpcallDemultiplexer(guest, 0, 0);
        demux.register(guestPort, p -> handled++);
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        dom0.close();
        guest.close();
    }

    /**
     * A send that finds the port pending.
     *
     * @return the result
     */
    @Benchmark
    public int sendCoalesced() {
        return ec.send(0, coalescedPort);
    }

    /**
     * Send and dispatch.
     *
     * @return the handler calls
     */
    @Benchmark
    public int sendAndDemux() {
        ec.send(0, dom0Port);
        return demux.handleUpcall();
    }

    /**
     * Port churn.
     *
     * @return the close result
     */
    @Benchmark
    public int allocBindClose() {
        int p = ec.allocUnbound(1, DomId.SELF, 0);
        int l = ec.bindInterdomain(0, 1, p);
        ec.close(1, p);
        return ec.close(0, l);
    }

    /**
     * The floor: one atomic OR on the pending word.
     *
     * @return the old word
     */
    @Benchmark
    public long baselineAtomicOr() {
        return guest.getAndBitwiseOrLong(2048, 1L << 63);
    }
}
