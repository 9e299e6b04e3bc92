package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pv-events' JFR events time the operation they describe: the event begins before the operation and ends after it,
 * so a recording's threshold keeps exactly the slow ones, with their caller's fields. The operation is made slow on
 * purpose: the receiving domain's {@link VcpuKicker} (called inside the send) spins for {@link #SLOW}.
 */
class JfrEventDurationTest {
    static final Duration SLOW = Duration.ofMillis(40);
    static final Duration THRESHOLD = Duration.ofMillis(20);
    static final long ARG = 4096 + 2048; // the hypercall's argument, in the guest's frame 1 (shared_info is frame 0)

    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    final AtomicInteger slowKicks = new AtomicInteger();
    int guestPort;

    @BeforeEach
    void setUp() {
        dom0Mem = GuestMemory.allocate(2);
        guestMem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
        VcpuKicker slow = vcpu -> {
            long end = System.nanoTime() + SLOW.toNanos();
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            slowKicks.incrementAndGet();
        };
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 1, true), 0, slow);
        evtchn.addDomain(new DomainSpec(3, guestMem, 2, false), 0, VcpuKicker.POLLING);
        guestPort = evtchn.allocUnbound(3, DomId.SELF, 0);
        evtchn.bindInterdomain(0, 3, guestPort);
        dom0Mem.fill(0, GuestMemory.PAGE_SIZE, (byte) 0); // the bind's own event consumed: the next send kicks again
        slowKicks.set(0);
    }

    @AfterEach
    void tearDown() {
        dom0Mem.close();
        guestMem.close();
    }

    static List<RecordedEvent> record(String name, Path file, Runnable action) throws Exception {
        try (Recording r = new Recording()) {
            r.enable(name).withThreshold(THRESHOLD);
            r.start();
            action.run();
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    @Test
    void aSlowSendIsRecordedWithItsDurationAndCaller(@TempDir Path dir) throws Exception {
        List<RecordedEvent> events = record("io.pvkit.EventChannelSend", dir.resolve("send.jfr"),
                () -> assertEquals(0, evtchn.send(3, guestPort)));
        assertEquals(1, slowKicks.get(), "the send kicked dom0's vCPU");
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertTrue(e.getDuration().compareTo(SLOW) >= 0, "duration " + e.getDuration() + " covers the send");
        assertEquals(3, e.getInt("domid"));
        assertEquals(guestPort, e.getInt("port"));
        assertEquals(0, e.getInt("result"));
    }

    @Test
    void aSlowEventChannelOpIsRecordedWithItsDurationCallerAndVcpu(@TempDir Path dir) throws Exception {
        EventChannelHypercalls hypercalls = new EventChannelHypercalls(evtchn);
        HypercallContext vcpu1 = HypercallContext.of(3, 1, false, guestMem);
        guestMem.setInt(ARG, guestPort);
        List<RecordedEvent> events = record("io.pvkit.EventChannelOp", dir.resolve("op.jfr"),
                () -> assertEquals(0L, hypercalls.eventChannelOp(vcpu1, EvtchnOp.SEND.code(), ARG)));
        assertEquals(1, slowKicks.get());
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertTrue(e.getDuration().compareTo(SLOW) >= 0, "duration " + e.getDuration() + " covers the hypercall");
        assertEquals(3, e.getInt("domid"));
        assertEquals(1, e.getInt("vcpu"));
        assertEquals(EvtchnOp.SEND.code(), e.getLong("cmd"));
        assertEquals(0L, e.getLong("result"));
    }
}
