package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broken implementations that GNT-44 (two vCPUs on one entry at once, {@link EntryRace}) catches and the kit before
 * it did not: pv-grant behind a wrapper that takes one decision about an entry (through the granter's entries, where
 * the kit can stop it) before the real call and acts on that decision after it, as an implementation does whose pin
 * bookkeeping and flags update are not under one lock of the entry. The wrapper acts on the stale decision only when
 * another operation on the same entry ran between the decision and the real call (which only two vCPUs at once can
 * arrange), so every single-threaded rule sees pv-grant. Listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 */
final class EntryRaceBugs {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    private EntryRaceBugs() {
    }

    /**
     * GNT-44: an unmap decides "this is the entry's last mapping" before it drops the pin and clears GTF_reading and
     * GTF_writing on that decision afterwards: a map of the entry by the other vCPU in between (the pin count goes 1,
     * 2, 1; the map found GTF_reading set and wrote nothing) loses its busy bits, and the granter can revoke an entry
     * that is mapped (the brief's example: GNT-05 broken by a race).
     */
    static final class UnmapDecidesItsLastPinEarly extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new StaleDecision(true, false);
        }
    }

    /**
     * GNT-44: a map of an entry its domain already maps decides "already pinned: nothing to set but GTF_writing for a
     * first writable use" before it pins: when the other vCPU's unmap of the last mapping clears the busy bits in
     * between, the new mapping is left without GTF_reading (a read-only map: without any busy bit).
     */
    static final class MapDecidesThePinEarly extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new StaleDecision(false, true);
        }
    }

    /** pv-grant with the two stale decisions; each bug turns one of them on. */
    private static final class StaleDecision extends Buggy {
        private final boolean staleUnmap;
        private final boolean staleMap;
        /** Each domain's entries as pv-grant sees them (the kit's view). */
        private final Map<Integer, MemoryAccess> views = new ConcurrentHashMap<>();
        /** The view handed to the domain being created (createDomain and entries run on one thread). */
        private MemoryAccess creating;
        /** Live mappings: {@code mapper << 32 | handle} to {@code {granter, ref}}. */
        private final Map<Long, long[]> live = new ConcurrentHashMap<>();
        /** Operations started per entry ({@code granter << 32 | ref}). */
        private final Map<Long, AtomicInteger> started = new ConcurrentHashMap<>();

        StaleDecision(boolean staleUnmap, boolean staleMap) {
            this.staleUnmap = staleUnmap;
            this.staleMap = staleMap;
        }

        @Override
        MemoryAccess entries(MemoryAccess kitView) {
            creating = kitView;
            return kitView;
        }

        @Override
        public DomainUnderTest createDomain(DomainConfig config) {
            DomainUnderTest d = super.createDomain(config);
            views.put(d.domid(), creating);
            return d;
        }

        @Override
        long bug(HypercallContext c, long cmd, long uops, long count) {
            if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                return map(c, uops);
            }
            if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                return unmap(c, uops);
            }
            return real(c, cmd, uops, count);
        }

        private long map(HypercallContext c, long uops) {
            GuestMemory m = c.memory();
            int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
            long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
            boolean readOnly = (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.READONLY) != 0;
            MemoryAccess view = views.get(granter);
            if (view == null || dom(granter) == null || ref >= GrantEntryV1Layout.ENTRIES_PER_FRAME) {
                return real(c, GrantTableOp.MAP_GRANT_REF.code(), uops, 1);
            }
            long entry = entryKey(granter, ref);
            int before = started(entry).incrementAndGet();
            boolean pinned = liveMappings(granter, ref) > 0;
            if (staleMap && pinned) {
                view.getIntVolatile(entry(granter, ref)); // the decision: "pinned already"
            }
            long rc = real(c, GrantTableOp.MAP_GRANT_REF.code(), uops, 1);
            boolean ok = rc == 0 && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY;
            if (ok) {
                live.put(mappingKey(c.domid(), m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET)),
                        new long[] {granter, ref});
                if (staleMap && pinned && started(entry).get() != before) {
                    // the stale decision: a pinned entry gets no GTF_reading (and a read-only use nothing at all)
                    view.getAndBitwiseAndInt(entry(granter, ref), ~(readOnly ? BUSY : GrantFlags.READING));
                }
            }
            return rc;
        }

        private long unmap(HypercallContext c, long uops) {
            GuestMemory m = c.memory();
            long key = mappingKey(c.domid(), m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET));
            long[] mapping = live.get(key);
            if (mapping == null || dom((int) mapping[0]) == null) { // unknown, or its granter is gone
                return real(c, GrantTableOp.UNMAP_GRANT_REF.code(), uops, 1);
            }
            int granter = (int) mapping[0];
            long ref = mapping[1];
            MemoryAccess view = views.get(granter);
            long entry = entryKey(granter, ref);
            int before = started(entry).incrementAndGet();
            boolean last = liveMappings(granter, ref) == 1;
            if (staleUnmap && last) {
                view.getIntVolatile(entry(granter, ref)); // the decision: "the last pin goes"
            }
            long rc = real(c, GrantTableOp.UNMAP_GRANT_REF.code(), uops, 1);
            boolean ok = rc == 0 && m.getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == OKAY;
            if (ok) {
                live.remove(key);
                if (staleUnmap && last && started(entry).get() != before) {
                    // the stale decision: the last pin went, so the busy bits go
                    view.getAndBitwiseAndInt(entry(granter, ref), ~BUSY);
                }
            }
            return rc;
        }

        private int liveMappings(int granter, long ref) {
            int n = 0;
            for (long[] mapping : live.values()) {
                if (mapping[0] == granter && mapping[1] == ref) {
                    n++;
                }
            }
            return n;
        }

        private AtomicInteger started(long entry) {
            return started.computeIfAbsent(entry, k -> new AtomicInteger());
        }

        private static long entryKey(int granter, long ref) {
            return ((long) granter << 32) | ref;
        }

        private static long mappingKey(int mapper, int handle) {
            return ((long) mapper << 32) | Integer.toUnsignedLong(handle);
        }
    }
}
