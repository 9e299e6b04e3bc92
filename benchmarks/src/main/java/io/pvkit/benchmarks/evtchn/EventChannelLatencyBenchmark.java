package io.pvkit.benchmarks.evtchn;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.events.EventChannels;
import io.pvkit.events.ThreadVcpuKicker;
import io.pvkit.events.UpcallDemultiplexer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Round trip from the hypervisor's {@code send} to the guest handler and back (the handler publishes an
 * acknowledgement the benchmark thread spins on), with the guest vCPU on its own thread:
 * <ul>
 *   <li>{@code eventSpinning}: the vCPU polls its {@code vcpu_info} with a busy-spin idle strategy;</li>
 *   <li>{@code eventParked}: the vCPU parks and is unparked by {@link ThreadVcpuKicker};</li>
 *   <li>{@code flagPingPong}: the floor: the same two threads exchange a flag in the same guest memory
 *       (release store, acquire spin) with no event channel at all.</li>
 * </ul>
 * The ratio {@code event} / {@code flagPingPong} is what to compare.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class EventChannelLatencyBenchmark {
    private static final long PING = 3 * 4096;
    private static final long ACK = 3 * 4096 + 64;

    /** How the vCPU waits. */
    @Param({"spin", "park"})
    public String vcpuWait;

    private GuestMemory dom0;
    private GuestMemory guest;
    private EventChannels ec;
    private ThreadVcpuKicker kicker;
    private int dom0Port;
    private Thread vcpu;
    private volatile boolean running;
    private volatile long acked;
    private long seq;

    /** Starts the guest vCPU thread. */
    @Setup(Level.Trial)
    public void setUp() {
        dom0 = GuestMemory.allocate(4);
        guest = GuestMemory.allocate(4);
        ec = new EventChannels();
        kicker = new ThreadVcpuKicker(1);
        ec.addDomain(new DomainSpec(0, dom0, 1, true), 0, kicker);
        ec.addDomain(new DomainSpec(1, guest, 1, false), 0, kicker);
        int guestPort = ec.allocUnbound(1, DomId.SELF, 0);
        dom0Port = ec.bindInterdomain(0, 1, guestPort);
        UpcallDemultiplexer demux = new UpcallDemultiplexer(guest, 0, 0);
        demux.register(guestPort, p -> acked++);
        running = true;
        boolean park = "park".equals(vcpuWait);
        vcpu = Thread.ofPlatform().name("vcpu0").daemon().start(() -> {
            IdleStrategy spin = IdleStrategy.busySpin();
            long pings = 0;
            while (running) {
                if (demux.upcallPending()) {
                    demux.handleUpcall();
                    continue;
                }
                // floor: the same thread also answers the flag ping-pong
                long ping = guest.getLongAcquire(PING);
                if (ping != pings) {
                    pings = ping;
                    guest.setLongRelease(ACK, ping);
                    continue;
                }
                if (park) {
                    LockSupport.parkNanos(1_000_000L);
                } else {
                    spin.idle();
                }
            }
        });
        kicker.attach(0, vcpu);
    }

    /** Stops the vCPU thread and frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        LockSupport.unpark(vcpu);
        vcpu.join();
        dom0.close();
        guest.close();
    }

    /**
     * send, then wait until the guest handler acknowledged it.
     *
     * @return the acknowledged count
     */
    @Benchmark
    public long event() {
        long want = acked + 1;
        ec.send(0, dom0Port);
        while (acked < want) {
            Thread.onSpinWait();
        }
        return want;
    }

    /**
     * The floor: publish a flag in guest memory and wait for the vCPU thread to echo it. With
     * {@code vcpuWait=park} the floor also includes a parked thread's wake-up latency only when the
     * thread was parked (it is unparked here as the kicker would).
     *
     * @return the echoed value
     */
    @Benchmark
    public long flagPingPong() {
        long s = ++seq;
        guest.setLongRelease(PING, s);
        if ("park".equals(vcpuWait)) {
            LockSupport.unpark(vcpu);
        }
        while (guest.getLongAcquire(ACK) != s) {
            Thread.onSpinWait();
        }
        return s;
    }
}
