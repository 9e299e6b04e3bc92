package io.pvkit.grant;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import io.pvkit.grant.internal.GrantMapEvent;
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

/** The {@code io.pvkit.GrantMap} JFR event: off by default, recorded with its fields when enabled. */
class GrantMapJfrEventTest {
    @Test
    void shouldBeOffByDefault() {
        assertFalse(EventType.getEventType(GrantMapEvent.class).isEnabled(), "no recording enables it");
    }

    @Test
    void shouldBeCompiledInUnlessTheMeasuringSwitchRemovesIt() {
        assertTrue(GrantMapEvent.COMPILED_IN, "only -Dpvkit.grant.jfr=false removes it");
    }

    @Test
    void shouldRecordEveryMapWhenEnabled(@TempDir Path dir) throws Exception {
        try (GuestMemory granter = GuestMemory.allocate(4); GuestMemory mapper = GuestMemory.allocate(4)) {
            GrantTables t = new GrantTables(MappingLifetime.CONFINED, 1024);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 1, true);
            List<RecordedEvent> events = record(dir.resolve("map.jfr"), Duration.ZERO, () -> {
                MapResult ok = t.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
                assertTrue(ok.ok());
                t.unmap(2, ok.handle());
                MapResult bad = t.map(2, 1, 999, GntMap.HOST_MAP | GntMap.READONLY, 0);
                assertFalse(bad.ok());
            });
            assertEquals(2, events.size(), events.toString());
            assertEquals(List.of((long) ref, 999L), events.stream().map(e -> e.getLong("ref")).toList());
            assertEquals(0, events.get(0).getInt("status"));
            assertTrue(events.get(1).getInt("status") < 0);
            assertEquals(List.of(2, 2), events.stream().map(e -> e.getInt("mapper")).toList());
            assertFalse(events.get(0).getBoolean("shared"));
        }
    }

    /** Records {@code io.pvkit.GrantMap} above {@code threshold} while {@code maps} runs, and reads the events back. */
    private static List<RecordedEvent> record(Path file, Duration threshold, Runnable maps) throws Exception {
        try (Recording r = new Recording()) {
            r.enable("io.pvkit.GrantMap").withThreshold(threshold);
            r.start();
            maps.run();
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.pvkit.GrantMap")).toList();
    }

    @Test
    void shouldRecordTheFieldsOfEveryMapAndMapHandle(@TempDir Path dir) throws Exception {
        try (GuestMemory granter = GuestMemory.allocate(4); GuestMemory mapper = GuestMemory.allocate(4)) {
            GrantTables t = new GrantTables(MappingLifetime.SHARED, 1024);
            t.addDomain(new DomainSpec(3, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(5, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(5, 2, false);
            int[] handles = new int[3];
            List<RecordedEvent> events = record(dir.resolve("fields.jfr"), Duration.ZERO, () -> {
                handles[0] = t.mapHandle(5, 3, ref, GntMap.HOST_MAP, 0x1000);
                handles[1] = t.mapHandle(5, 3, ref, GntMap.DEVICE_MAP, 0);
                handles[2] = t.mapHandle(5, 3, 999, GntMap.HOST_MAP, 0);
                t.map(5, 3, ref, GntMap.HOST_MAP | GntMap.DEVICE_MAP, 0x2000, MappingLifetime.SHARED);
                t.map(5, 3, ref, GntMap.HOST_MAP, 0x3000, MappingLifetime.CHECKED);
            });
            assertTrue(handles[1] > 0, "the second handle is not 0: " + handles[1]);
            assertEquals(Gntst.BAD_GNTREF, handles[2]);
            assertEquals(5, events.size(), events.toString());
            assertEquals(List.of(5, 5, 5, 5, 5), events.stream().map(e -> e.getInt("mapper")).toList());
            assertEquals(List.of(3, 3, 3, 3, 3), events.stream().map(e -> e.getInt("granter")).toList());
            assertEquals(List.of((long) ref, (long) ref, 999L, (long) ref, (long) ref),
                    events.stream().map(e -> e.getLong("ref")).toList());
            assertEquals(List.of(GntMap.HOST_MAP, GntMap.DEVICE_MAP, GntMap.HOST_MAP,
                    GntMap.HOST_MAP | GntMap.DEVICE_MAP, GntMap.HOST_MAP),
                    events.stream().map(e -> e.getInt("flags")).toList());
            assertEquals(List.of(0, 0, Gntst.BAD_GNTREF, 0, 0), events.stream().map(e -> e.getInt("status")).toList(),
                    "a handle is recorded as status 0");
            assertEquals(List.of(true, true, true, true, false), events.stream().map(e -> e.getBoolean("shared")).toList(),
                    "mapHandle records the table's default lifetime, map its own");
        }
    }

    @Test
    void shouldRecordMapHandleOfACheckedTableAsNotShared(@TempDir Path dir) throws Exception {
        try (GuestMemory granter = GuestMemory.allocate(4); GuestMemory mapper = GuestMemory.allocate(4)) {
            GrantTables t = new GrantTables(MappingLifetime.CHECKED, 1024);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 2, false);
            List<RecordedEvent> events = record(dir.resolve("checked.jfr"), Duration.ZERO,
                    () -> assertTrue(t.mapHandle(2, 1, ref, GntMap.HOST_MAP, 0) >= 0));
            assertEquals(1, events.size(), events.toString());
            assertFalse(events.get(0).getBoolean("shared"));
        }
    }

    @Test
    void shouldCommitNoMapShorterThanTheRecordingsThreshold(@TempDir Path dir) throws Exception {
        try (GuestMemory granter = GuestMemory.allocate(4); GuestMemory mapper = GuestMemory.allocate(4)) {
            GrantTables t = new GrantTables(MappingLifetime.SHARED, 1024);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 2, false);
            List<RecordedEvent> events = record(dir.resolve("threshold.jfr"), Duration.ofDays(1), () -> {
                assertTrue(t.mapHandle(2, 1, ref, GntMap.HOST_MAP, 0) >= 0);
                assertTrue(t.map(2, 1, ref, GntMap.HOST_MAP, 0).ok());
            });
            assertEquals(List.of(), events, "no map lasts a day");
        }
    }
}
