package io.pvkit.hypervisor;

import io.pvkit.abi.evtchn.EvtchnBindIpiLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.grant.GuestGrantTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Hypervisor#createDomain(DomainConfig, java.util.function.Function)}: the view the caller makes from the
 * new domain's memory is what pv-events reaches {@code shared_info}'s event bits through and what pv-grant
 * reaches the grant entries through; a view of another size, or none, leaves no domain behind.
 */
class SharedMemoryViewTest {
    private Hypervisor hv;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    /**
     * A view of real memory that forwards every access and records the frame of each address it is given (a
     * {@link Proxy}, so that every method of {@link MemoryAccess}, defaults included, is seen).
     */
    private static MemoryAccess recording(GuestMemory real, Set<Long> frames) {
        return (MemoryAccess) Proxy.newProxyInstance(MemoryAccess.class.getClassLoader(),
                new Class<?>[] {MemoryAccess.class}, (proxy, method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof Long gpa) {
                        frames.add(GuestMemory.gfnOf(gpa));
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void theLibrariesReachSharedInfoAndGrantEntriesThroughTheView() {
        hv = Hypervisor.start(HypervisorConfig.quiet());
        Set<Long> touched = ConcurrentHashMap.newKeySet();
        List<GuestMemory> given = new ArrayList<>();
        Domain d = hv.createDomain(DomainConfig.guest("viewed", 16, null), memory -> {
            given.add(memory);
            return recording(memory, touched);
        });
        assertEquals(1, given.size(), "the view is made once per domain");
        assertSame(d.memory(), given.get(0), "from the domain's own memory");

        long sharedInfoGpa = d.memory().getLong(d.startInfoAddress() + StartInfoLayout.SHARED_INFO_OFFSET);
        GuestHypercalls hc = new GuestHypercalls(hv.dispatcher(), d.context(0), 0, GuestMemory.PAGE_SIZE);
        MemorySegment ipi = MemorySegment.ofArray(new long[1]).asSlice(0, EvtchnBindIpiLayout.SIZE);
        assertEquals(0, hc.eventChannelOp(EvtchnOp.BIND_IPI, ipi));
        int port = ipi.get(ValueLayout.JAVA_INT, EvtchnBindIpiLayout.PORT_OFFSET);
        touched.clear();
        assertEquals(0, hc.send(port));
        assertTrue(touched.contains(GuestMemory.gfnOf(sharedInfoGpa)),
                "a send reached shared_info through the view: " + touched);
        long pending = d.memory().getLong(sharedInfoGpa + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L);
        assertEquals(1L << (port & 63), pending & (1L << (port & 63)), "and the bit is in the domain's memory");

        long[] frames = new long[1];
        assertEquals(0, hc.setupTable(frames));
        Domain mapper = hv.createDomain(DomainConfig.guest("mapper", 16, null));
        int ref = new GuestGrantTable(d.memory(), frames).grantAccess(mapper.domid(), 3, false);
        long size = GnttabMapGrantRefLayout.LAYOUT.byteSize();
        MemorySegment map = MemorySegment.ofArray(new long[(int) ((size + 7) / 8)]).asSlice(0, size);
        map.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, 0x4000_0000L);
        map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
        map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
        map.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) d.domid());
        touched.clear();
        GuestHypercalls mapperCalls = new GuestHypercalls(hv.dispatcher(), mapper.context(0), 0, GuestMemory.PAGE_SIZE);
        assertEquals(0, mapperCalls.grantTableOp(GrantTableOp.MAP_GRANT_REF, map));
        assertEquals(0, map.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET));
        assertTrue(touched.contains(frames[0]), "the map read the grant entry through the view: " + touched);
        int handle = map.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET);
        assertTrue(hv.grantMapping(mapper.domid(), handle).isPresent(), "the mapping is live");
    }

    @Test
    void aViewOfOtherMemoryOrNoViewLeavesNoDomain() {
        hv = Hypervisor.start(HypervisorConfig.quiet());
        ResourceCounts before = hv.counts();
        try (GuestMemory other = GuestMemory.allocate(1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> hv.createDomain(DomainConfig.guest("smaller", 16, null), memory -> other));
        }
        assertThrows(NullPointerException.class,
                () -> hv.createDomain(DomainConfig.guest("none", 16, null), memory -> null));
        assertThrows(NullPointerException.class, () -> hv.createDomain(DomainConfig.guest("null", 16, null), null));
        assertEquals(before, hv.counts(), "nothing registered");
        assertEquals(1, hv.domains().size(), "only domain 0");
        Domain d = hv.createDomain(DomainConfig.guest("smaller", 16, null), memory -> memory);
        assertFalse(d.info().state() == DomainState.DEAD, "the name is free again and the identity view works");
    }
}
