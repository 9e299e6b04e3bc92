package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.internal.SendEvent;
import io.pvkit.events.spi.VcpuKicker;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The {@code io.pvkit.EventChannelSend} JFR event: off by default, recorded with its fields when enabled. */
class SendJfrEventTest {
    @Test
    void shouldBeOffByDefault() {
        assertFalse(EventType.getEventType(SendEvent.class).isEnabled(), "no recording enables it");
    }

    @Test
    void shouldRecordEverySendWhenEnabled(@TempDir Path dir) throws Exception {
        try (GuestMemory dom0 = GuestMemory.allocate(1); GuestMemory guest = GuestMemory.allocate(1)) {
            EventChannels ec = new EventChannels();
            ec.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING);
            ec.addDomain(new DomainSpec(1, guest, 1, false), 0, VcpuKicker.POLLING);
            int guestPort = ec.allocUnbound(1, DomId.SELF, 0);
            int port = ec.bindInterdomain(0, 1, guestPort);
            ec.send(0, port); // not recorded: no recording
            Path file = dir.resolve("send.jfr");
            try (Recording r = new Recording()) {
                r.enable("io.pvkit.EventChannelSend").withThreshold(java.time.Duration.ZERO);
                r.start();
                assertEquals(0, ec.send(0, port));
                assertEquals(-22, ec.send(0, 4000));
                r.stop();
                r.dump(file);
            }
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.pvkit.EventChannelSend")).toList();
            assertEquals(2, events.size(), events.toString());
            assertEquals(List.of(port, 4000), events.stream().map(e -> e.getInt("port")).toList());
            assertEquals(List.of(0, -22), events.stream().map(e -> e.getInt("result")).toList());
            assertEquals(List.of(0, 0), events.stream().map(e -> e.getInt("domid")).toList());
        }
    }

    @Test
    void shouldRecordEventChannelOpHypercallsWhenEnabled(@TempDir Path dir) throws Exception {
        assertFalse(EventType.getEventType(io.pvkit.events.internal.EventChannelOpEvent.class).isEnabled());
        try (GuestMemory dom0 = GuestMemory.allocate(2)) {
            EventChannels ec = new EventChannels();
            ec.addDomain(new DomainSpec(0, dom0, 1, true), 0, VcpuKicker.POLLING);
            EventChannelHypercalls hc = new EventChannelHypercalls(ec);
            io.pvkit.abi.hypercall.HypercallContext caller = io.pvkit.abi.hypercall.HypercallContext.of(0, 0, true, dom0);
            Path file = dir.resolve("op.jfr");
            try (Recording r = new Recording()) {
                r.enable("io.pvkit.EventChannelOp").withThreshold(java.time.Duration.ZERO);
                r.start();
                assertEquals(-14, hc.eventChannelOp(caller, io.pvkit.abi.evtchn.EvtchnOp.SEND.code(), -1L));
                assertEquals(-38, hc.eventChannelOp(caller, 99, 4096));
                r.stop();
                r.dump(file);
            }
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.pvkit.EventChannelOp")).toList();
            assertEquals(List.of(4L, 99L), events.stream().map(e -> e.getLong("cmd")).toList());
            assertEquals(List.of(-14L, -38L), events.stream().map(e -> e.getLong("result")).toList());
        }
    }
}
