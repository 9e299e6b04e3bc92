package io.pvkit.hypervisor;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.hypervisor.internal.HypercallEvent;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code io.pvkit.Hypercall} JFR event: off by default; with a recording, every hypercall of a guest. */
class HypercallJfrEventTest {

    @Test
    void shouldBeOffByDefaultAndCompiledIn() {
        assertFalse(EventType.getEventType(HypercallEvent.class).isEnabled(), "no recording enables it");
        assertTrue(HypercallEvent.COMPILED_IN, "only -Dpvkit.hypervisor.jfr=false removes it");
    }

    @Test
    void shouldRecordEveryHypercallOfAGuestWhenEnabled(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hypercalls.jfr");
        try (Hypervisor hv = Hypervisor.start(HypervisorConfig.quiet());
             Recording r = new Recording()) {
            r.enable("io.pvkit.Hypercall").withThreshold(Duration.ZERO);
            r.start();
            Domain g = hv.createDomain(DomainConfig.guest("traced", 32, s -> {
                GuestHypercalls hc = new GuestHypercalls(s.hypervisor(), s.self(), 0, GuestMemory.PAGE_SIZE);
                hc.xenVersion();
                hc.call(99, 0, 0, 0, 0, 0); // not a hypercall: -ENOSYS
                hc.shutdown(ShutdownReason.POWEROFF);
            }));
            assertTrue(g.awaitShutdown(Duration.ofSeconds(30)), g.info()::toString);
            r.stop();
            r.dump(file);
            int domid = g.info().domid();
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.pvkit.Hypercall"))
                    .filter(e -> e.getInt("domid") == domid).toList();
            List<Long> ops = events.stream().map(e -> e.getLong("op")).toList();
            assertEquals(List.of((long) HypercallOp.XEN_VERSION.number(), 99L, (long) HypercallOp.SCHED_OP.number()), ops,
                    events.toString());
            assertTrue(events.get(0).getLong("result") > 0, "xen_version answers the version: " + events.get(0));
            assertEquals(XenErrno.ENOSYS.negated(), events.get(1).getLong("result"));
            assertEquals(0, events.get(1).getInt("vcpu"));
        }
    }
}
