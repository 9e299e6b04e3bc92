package io.pvkit.benchmarks.jfr;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.EventChannels;
import io.pvkit.events.spi.VcpuKicker;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MappingLifetime;
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
 * What the library JFR events cost when off, as {@code HypercallDispatchBenchmark} measures {@code io.pvkit.Hypercall}:
 * each path in a JVM with the event code (the event disabled, as by default: no recording) and in one started with
 * the library's switch that removes the event code (the JIT sees a constant {@code false} and drops it).
 * <ul>
 *   <li>{@code grantMapUnmap} / {@code grantMapUnmapWithoutEventCode}: {@code GrantTables.mapHandle} + {@code unmap}
 *       of a CHECKED host mapping (event {@code io.pvkit.GrantMap}; switch {@code -Dpvkit.grant.jfr=false});</li>
 *   <li>{@code eventSend} / {@code eventSendWithoutEventCode}: {@code EventChannels.send} on an interdomain channel,
 *       the pending bit cleared after each send (event {@code io.pvkit.EventChannelSend}; switch
 *       {@code -Dpvkit.events.jfr=false}, read by pv-events' {@code SendEvent.COMPILED_IN}). The "without" side checks
 *       that the switch exists (setup fails otherwise), so that the report never shows a ratio of identical code.</li>
 * </ul>
 * A ratio near 1 (and 0 B/op with {@code -prof gc}) says the disabled event costs nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Thread)
public class JfrOffBenchmark {
    /** {@code shared_info.evtchn_pending[0]} (x86_64). */
    private static final long PENDING_WORD = 2048;
    private GuestMemory granterMemory;
    private GuestMemory mapperMemory;
    private GrantTables grants;
    private int ref;
    private GuestMemory dom0;
    private GuestMemory guest;
    private EventChannels channels;
    private int port;
    private long portBit;

    /** Creates the state. */
    public JfrOffBenchmark() {
    }

    /**
     * Domain 1 grants a frame to domain 2 (CHECKED tables); domain 0 has an interdomain channel to domain 1.
     *
     * @throws ReflectiveOperationException when this JVM was started with {@code -Dpvkit.events.jfr=false} but
     *     pv-events has no switch to remove its event code
     */
    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException {
        if ("false".equals(System.getProperty("pvkit.events.jfr"))) {
            // fails with NoSuchFieldException on a pv-events without the switch: never a ratio of identical code
            Class.forName("io.pvkit.events.internal.SendEvent").getField("COMPILED_IN");
        }
        granterMemory = GuestMemory.allocate(4);
        mapperMemory = GuestMemory.allocate(4);
        grants = new GrantTables(MappingLifetime.CHECKED, 1024);
        grants.addDomain(new DomainSpec(1, granterMemory, 1, false), 0, 1);
        grants.addDomain(new DomainSpec(2, mapperMemory, 1, false), 0, 1);
        ref = new GuestGrantTable(granterMemory, 0).grantAccess(2, 1, true);
        dom0 = GuestMemory.allocate(2);
        guest = GuestMemory.allocate(1);
        channels = new EventChannels();
        channels.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING);
        channels.addDomain(new DomainSpec(1, guest, 1, false), 0, VcpuKicker.POLLING);
        int guestPort = channels.allocUnbound(1, DomId.SELF, 0);
        port = channels.bindInterdomain(0, 1, guestPort);
        portBit = 1L << guestPort;
    }

    /** Frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        grants.releaseDomain(1, Integer.MAX_VALUE);
        grants.releaseDomain(2, Integer.MAX_VALUE);
        granterMemory.close();
        mapperMemory.close();
        dom0.close();
        guest.close();
    }

    /**
     * {@code mapHandle} + {@code unmap} with the (disabled) {@code io.pvkit.GrantMap} event code.
     *
     * @return the handle plus the unmap status
     */
    @Benchmark
    public int grantMapUnmap() {
        int h = grants.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
        return grants.unmap(2, h) + h;
    }

    /**
     * The same in a JVM whose pv-grant has no event code.
     *
     * @return the handle plus the unmap status
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dpvkit.grant.jfr=false")
    public int grantMapUnmapWithoutEventCode() {
        return grantMapUnmap();
    }

    /**
     * {@code EventChannels.send} with the (disabled) {@code io.pvkit.EventChannelSend} event code.
     *
     * @return the send's result (0)
     */
    @Benchmark
    public int eventSend() {
        int r = channels.send(0, port);
        guest.getAndBitwiseAndLong(PENDING_WORD, ~portBit);
        return r;
    }

    /**
     * The same in a JVM whose pv-events has no event code.
     *
     * @return the send's result (0)
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dpvkit.events.jfr=false")
    public int eventSendWithoutEventCode() {
        return eventSend();
    }
}
