package io.pvkit.benchmarks.hypervisor;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
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

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Hypercalls through the reference hypervisor's whole dispatcher (caller lookup and checks, in-flight
 * accounting, routing, the JFR event), issued on the benchmark thread with a guest's own context: what the
 * JFR event {@code io.pvkit.Hypercall} costs when it is off.
 * <ul>
 *   <li>{@code xenVersion} / {@code xenVersionWithoutEventCode}: {@code xen_version(XENVER_version)}, the
 *       cheapest hypercall, in a JVM with the event code (off, as by default) and in one started with
 *       {@code -Dpvkit.hypervisor.jfr=false}, where the dispatcher contains no event code at all;</li>
 *   <li>{@code send} / {@code sendWithoutEventCode}: {@code EVTCHNOP_send} on a loopback channel (the
 *       argument in guest memory), likewise.</li>
 * </ul>
 * The pairs are compared in one run; a ratio near 1 (and 0 B/op with {@code -prof gc}) says the disabled
 * event costs nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Benchmark)
public class HypercallDispatchBenchmark {
    private static final long SEND_ARG = 512;
    private Hypervisor hv;
    private Domain domain;
    private HypercallHandler dispatcher;
    private HypercallContext self;
    private final CountDownLatch stop = new CountDownLatch(1);

    /** Starts a hypervisor and a guest whose vCPU hands its context over, binds a loopback channel and parks. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        hv = Hypervisor.start(HypervisorConfig.quiet());
        CompletableFuture<VcpuStart> started = new CompletableFuture<>();
        domain = hv.createDomain(DomainConfig.guest("bench-hypercalls", 64, s -> {
            GuestHypercalls hc = new GuestHypercalls(s.hypervisor(), s.self(), GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE);
            long unbound = hc.allocUnbound(s.self().domid());
            long port = hc.bindInterdomain(s.self().domid(), (int) unbound);
            if (unbound < 0 || port < 0) {
                started.completeExceptionally(new IllegalStateException("loopback channel: " + unbound + ", " + port));
                return;
            }
            s.self().memory().setInt(SEND_ARG + EvtchnSendLayout.PORT_OFFSET, (int) port);
            started.complete(s);
            stop.await();
        }));
        VcpuStart s = started.get(30, TimeUnit.SECONDS);
        dispatcher = s.hypervisor();
        self = s.self();
    }

    /** Lets the guest's vCPU return and closes the hypervisor. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop.countDown();
        domain.awaitShutdown(Duration.ofSeconds(10));
        hv.close();
    }

    /** {@code xen_version(XENVER_version)} with the (disabled) event code. */
    @Benchmark
    public long xenVersion() {
        return dispatcher.hypercall(self, HypercallOp.XEN_VERSION.number(), 0, 0, 0, 0, 0);
    }

    /** The same in a JVM whose dispatcher has no event code. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dpvkit.hypervisor.jfr=false")
    public long xenVersionWithoutEventCode() {
        return xenVersion();
    }

    /** {@code EVTCHNOP_send} on the loopback channel with the (disabled) event code. */
    @Benchmark
    public long send() {
        return dispatcher.hypercall(self, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(), SEND_ARG, 0, 0, 0);
    }

    /** The same in a JVM whose dispatcher has no event code. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dpvkit.hypervisor.jfr=false")
    public long sendWithoutEventCode() {
        return send();
    }
}
