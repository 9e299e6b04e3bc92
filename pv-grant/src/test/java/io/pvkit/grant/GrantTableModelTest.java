package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Model-based test: random grant / map / unmap / copy / write / revoke / domain-death sequences across
 * three domains against a simple model, with the invariants checked after every step. Seeded; the seed
 * of a failing run is in the failure message and replays with {@code -Dpvkit.seed=...}.
 */
class GrantTableModelTest {
    private static final int STEPS = 80;
    private static final int DATA_FRAMES = 8;
    private static final int MAPTRACK = 12;

    record Grant(int granter, int ref, int grantee, long gfn, boolean readOnly) {
    }

    record Live(int mapper, int handle, Grant grant, boolean readOnly, int kinds, MemorySegment segment,
                GrantView view) {
    }

    @Test
    void randomSequencesKeepInvariants() {
        long base = Long.getLong("pvkit.seed", System.nanoTime());
        int tries = Integer.getInteger("pvkit.tries", 200);
        if (System.getProperty("pvkit.seed") != null) {
            tries = 1;
        }
        for (int t = 0; t < tries; t++) {
            long seed = base + t;
            try {
                run(seed);
            } catch (Throwable e) {
                throw new AssertionError("model test failed; replay with -Dpvkit.seed=" + seed + ": " + e, e);
            }
        }
    }

    private static void run(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MappingLifetime lifetime = MappingLifetime.values()[rnd.nextInt(MappingLifetime.values().length)];
        GrantTables hv = new GrantTables(lifetime, MAPTRACK);
        GuestMemory[] mem = new GuestMemory[3];
        GuestGrantTable[] guest = new GuestGrantTable[3];
        List<GuestMemory> toClose = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            mem[d] = GuestMemory.allocate(1 + DATA_FRAMES);
            toClose.add(mem[d]);
            hv.addDomain(new DomainSpec(d, mem[d], 1, d == 0), 0, 1);
            guest[d] = new GuestGrantTable(mem[d], 0);
        }
        List<Grant> grants = new ArrayList<>();
        List<Live> live = new ArrayList<>();
        List<Runnable> dead = new ArrayList<>();
        try {
            for (int step = 0; step < STEPS; step++) {
                int action = rnd.nextInt(100);
                if (action < 20) {
                    int g = rnd.nextInt(3);
                    int e = rnd.nextInt(3);
                    long gfn = 1 + rnd.nextInt(DATA_FRAMES);
                    boolean ro = rnd.nextBoolean();
                    int ref = guest[g].grantAccess(e, gfn, ro);
                    grants.add(new Grant(g, ref, e, gfn, ro));
                } else if (action < 45) {
                    int mapper = rnd.nextInt(3);
                    Grant gr = !grants.isEmpty() && rnd.nextInt(8) != 0 ? grants.get(rnd.nextInt(grants.size()))
                            : new Grant(rnd.nextInt(3), 512 + rnd.nextInt(100), -1, 0, false);
                    boolean ro = rnd.nextBoolean();
                    int kinds = switch (rnd.nextInt(4)) {
                        case 0 -> GntMap.DEVICE_MAP;
                        case 1 -> GntMap.HOST_MAP | GntMap.DEVICE_MAP;
                        default -> GntMap.HOST_MAP;
                    };
                    MapResult r = hv.map(mapper, gr.granter(), gr.ref(), kinds | (ro ? GntMap.READONLY : 0), 0x1000);
                    boolean permitted = gr.grantee() == mapper && (ro || !gr.readOnly());
                    boolean space = live.stream().filter(l -> l.mapper() == mapper).count() < MAPTRACK;
                    if (permitted && space) {
                        assertEquals(Gntst.OKAY, r.status(), "map of " + gr + " by " + mapper);
                        assertEquals((kinds & GntMap.HOST_MAP) != 0 && lifetime == MappingLifetime.CHECKED, r.view() != null);
                        assertEquals((kinds & GntMap.HOST_MAP) != 0 && lifetime != MappingLifetime.CHECKED,
                                r.segment() != null);
                        live.add(new Live(mapper, r.handle(), gr, ro, kinds, r.segment(), r.view()));
                    } else {
                        assertTrue(r.status() < 0, "map must fail: " + gr + " by " + mapper + " ro=" + ro);
                        if (permitted) {
                            assertEquals(Gntst.NO_SPACE, r.status());
                        }
                    }
                } else if (action < 65) {
                    if (!live.isEmpty()) {
                        Live l = live.remove(rnd.nextInt(live.size()));
                        assertEquals(Gntst.OKAY, hv.unmap(l.mapper(), l.handle()));
                        assertEquals(Gntst.BAD_HANDLE, hv.unmap(l.mapper(), l.handle()), "double unmap");
                        buryIn(dead, l);
                    } else {
                        assertEquals(Gntst.BAD_HANDLE, hv.unmap(rnd.nextInt(3), rnd.nextInt()));
                    }
                } else if (action < 75) {
                    if (!grants.isEmpty()) {
                        Grant gr = grants.get(rnd.nextInt(grants.size()));
                        int caller = rnd.nextInt(3);
                        int len = rnd.nextInt(64);
                        int srcOff = rnd.nextInt(4096 - len + 1);
                        long local = 1 + rnd.nextInt(DATA_FRAMES);
                        int st = hv.copy(caller, new GrantCopy(gr.ref(), gr.granter(), srcOff, local, DomId.SELF, 0,
                                len, GntCopy.SOURCE_GREF));
                        boolean permitted = gr.grantee() == caller || len == 0;
                        assertEquals(permitted, st == Gntst.OKAY, "copy from " + gr + " by " + caller + " -> " + st);
                        if (permitted && len > 0) {
                            long from = GuestMemory.gpaOf(gr.gfn()) + srcOff;
                            long to = GuestMemory.gpaOf(local);
                            assertEquals(mem[gr.granter()].getByte(from + len - 1), mem[caller].getByte(to + len - 1));
                        }
                    }
                } else if (action < 85) {
                    if (!live.isEmpty()) {
                        Live l = live.get(rnd.nextInt(live.size()));
                        if (l.segment() != null || l.view() != null) {
                            long off = rnd.nextInt(4096);
                            byte v = (byte) rnd.nextInt();
                            if (l.readOnly() && l.view() != null) {
                                assertThrows(UnsupportedOperationException.class, () -> l.view().setByte(off, v));
                            } else if (l.readOnly()) {
                                assertThrows(IllegalArgumentException.class,
                                        () -> l.segment().set(ValueLayout.JAVA_BYTE, off, v));
                            } else {
                                if (l.view() != null) {
                                    l.view().setByte(off, v);
                                } else {
                                    l.segment().set(ValueLayout.JAVA_BYTE, off, v);
                                }
                                assertEquals(v, mem[l.grant().granter()].getByte(GuestMemory.gpaOf(l.grant().gfn()) + off),
                                        "a write lands in exactly the granted frame");
                            }
                        }
                    }
                } else if (action < 97) {
                    if (!grants.isEmpty()) {
                        Grant gr = grants.get(rnd.nextInt(grants.size()));
                        boolean mapped = live.stream().anyMatch(l -> l.grant() == gr);
                        RevokeResult res = guest[gr.granter()].endAccess(gr.ref());
                        assertEquals(mapped ? RevokeResult.STILL_IN_USE : RevokeResult.REVOKED, res, "revoke " + gr);
                        if (!mapped) {
                            grants.remove(gr);
                        }
                    }
                } else {
                    int d = rnd.nextInt(3);
                    assertTrue(hv.releaseDomain(d, Integer.MAX_VALUE), "teardown completes from the owner thread");
                    for (int i = live.size() - 1; i >= 0; i--) {
                        Live l = live.get(i);
                        if (l.mapper() == d || l.grant().granter() == d) {
                            live.remove(i);
                            buryIn(dead, l);
                            assertEquals(Gntst.BAD_HANDLE, hv.unmap(l.mapper(), l.handle()));
                        }
                    }
                    grants.removeIf(g -> g.granter() == d);
                    mem[d] = GuestMemory.allocate(1 + DATA_FRAMES);
                    toClose.add(mem[d]);
                    hv.addDomain(new DomainSpec(d, mem[d], 1, d == 0), 0, 1);
                    guest[d] = new GuestGrantTable(mem[d], 0);
                }
                checkInvariants(hv, guest, mem, grants, live, dead);
            }
        } finally {
            for (int d = 0; d < 3; d++) {
                hv.releaseDomain(d, Integer.MAX_VALUE);
            }
            toClose.forEach(GuestMemory::close);
        }
    }

    private static void checkInvariants(GrantTables hv, GuestGrantTable[] guest, GuestMemory[] mem, List<Grant> grants,
                                        List<Live> live, List<Runnable> dead) {
        Map<Grant, int[]> counts = new HashMap<>();
        for (Live l : live) {
            int[] c = counts.computeIfAbsent(l.grant(), k -> new int[4]);
            int idx = l.readOnly() ? 0 : 1;
            if ((l.kinds() & GntMap.HOST_MAP) != 0) {
                c[idx]++;
            }
            if ((l.kinds() & GntMap.DEVICE_MAP) != 0) {
                c[2 + idx]++;
            }
            if (l.segment() != null) {
                // a live mapping sees exactly the granted frame of the granter
                long off = (l.handle() * 31L) & 4095;
                assertEquals(mem[l.grant().granter()].getByte(GuestMemory.gpaOf(l.grant().gfn()) + off),
                        l.segment().get(ValueLayout.JAVA_BYTE, off));
                assertEquals(l.readOnly(), l.segment().isReadOnly());
            }
            if (l.view() != null) {
                long off = (l.handle() * 31L) & 4095;
                assertEquals(mem[l.grant().granter()].getByte(GuestMemory.gpaOf(l.grant().gfn()) + off),
                        l.view().getByte(off));
                assertEquals(l.readOnly(), l.view().isReadOnly());
                assertTrue(l.view().isAlive());
            }
        }
        for (Grant g : grants) {
            int[] c = counts.getOrDefault(g, new int[4]);
            PinCounts p = hv.pins(g.granter(), g.ref());
            assertEquals(new PinCounts(c[0], c[1], c[2], c[3], 0, 0), p, "pins of " + g);
            int flags = guest[g.granter()].query(g.ref()).flags();
            assertEquals(p.total() > 0, (flags & GrantFlags.READING) != 0, "GTF_reading of " + g);
            assertEquals(p.writers() > 0, (flags & GrantFlags.WRITING) != 0, "GTF_writing of " + g);
        }
        for (int d = 0; d < 3; d++) {
            int dd = d;
            assertEquals(live.stream().filter(l -> l.mapper() == dd).count(), hv.mappingCount(d), "maptrack of " + d);
        }
        for (Runnable touch : dead) {
            try {
                touch.run();
                fail("a view is usable after unmap");
            } catch (IllegalStateException expected) {
                // the mapping's life ended at unmap
            }
        }
    }

    /** Remembers how to touch an unmapped mapping's view (each touch must throw from now on). */
    private static void buryIn(List<Runnable> dead, Live l) {
        if (l.segment() != null) {
            MemorySegment s = l.segment();
            dead.add(() -> s.get(ValueLayout.JAVA_BYTE, 0));
        }
        if (l.view() != null) {
            GrantView v = l.view();
            dead.add(() -> v.getByte(0));
            if (!l.readOnly()) {
                dead.add(() -> v.setLong(8, -1L));
                dead.add(() -> v.copyFrom(MemorySegment.ofArray(new byte[16]), 0, 0, 16));
            }
            dead.add(() -> v.copyTo(0, MemorySegment.ofArray(new byte[16]), 0, 16));
        }
    }
}
