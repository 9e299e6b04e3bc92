package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.spi.DomainUnderTest;

import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Broken granting guests for the frontend rules FE-11 .. FE-16 (and the toy frontends of GNT-28 in
 * {@link StatusBugs}): a granting guest's table written from {@code grant_table.h} and Linux's
 * {@code drivers/xen/grant-table.c} ({@link Toy}), correct without flaws ({@link CorrectToy} passes every rule), and
 * with one flaw each. Their exact failed-rule sets are in {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 * Not test classes themselves (nested, so no {@code *Test} name).
 */
final class GuestGrantBugs {

    private GuestGrantBugs() {
    }

    /** A {@link GrantingGuest} that forwards everything to another one; a bug overrides one method. */
    abstract static class Decorated implements GrantingGuest {
        private final GrantingGuest real;

        Decorated(GrantingGuest real) {
            this.real = real;
        }

        @Override
        public int sharePage(int domid, long gfn, boolean readOnly) {
            return real.sharePage(domid, gfn, readOnly);
        }

        @Override
        public int grantAccess(int domid, long gfn, boolean readOnly) {
            return real.grantAccess(domid, gfn, readOnly);
        }

        @Override
        public void grantReserved(int ref, int domid, long gfn, boolean readOnly) {
            real.grantReserved(ref, domid, gfn, readOnly);
        }

        @Override
        public EndOfAccess endAccess(int ref) {
            return real.endAccess(ref);
        }

        @Override
        public Entry query(int ref) {
            return real.query(ref);
        }

        @Override
        public int freeRefs() {
            return real.freeRefs();
        }
    }

    /** A small frontend grant table written from the headers, with optional flaws. */
    static final class Toy implements GrantingGuest {
        /** One flaw each, and one correct variant ({@link #LINUX_PUBLISH}); none of the flaws makes a correct table. */
        enum Flaw {
            /** Not a flaw: Linux's gnttab_update_entry_v1, frame and domid, a release fence, then a plain flags store. */
            LINUX_PUBLISH,
            /** FE-11: the flags+domid word is published before the frame. */
            FLAGS_FIRST,
            /** FE-11: the flags+domid word is published with a plain store (no release). */
            PLAIN_FLAGS_STORE,
            /** FE-11 (with LINUX_PUBLISH): the fence is VarHandle's, not MemoryAccess's, so the kit cannot see it. */
            UNSEEN_FENCE,
            /** FE-12: any reference of the table is ended (revoked and answered REVOKED), live grant or not. */
            END_ANY_REF,
            /** FE-13: the end checks the busy bits and then clears the flags with a plain store. */
            CHECK_THEN_STORE,
            /** FE-14: an end of an ended reference answers NOT_GRANTED but puts it on the free list again. */
            DOUBLE_FREE,
            /** FE-14: a revoked reference is never put back on the free list. */
            LEAKS_REVOKED_REF,
            /** FE-15: grantReserved writes any reference. */
            RESERVED_ANY_REF,
            /** FE-15: no check of the grantee and frame. */
            NO_TARGET_CHECK,
            /** FE-16: query answers what the guest wrote, not what is in memory. */
            QUERY_OWN_COPY,
            /** GNT-28: the free list includes the reserved references 0 .. 7. */
            RESERVED_REFS,
            /** GNT-28: every page is shared through reference 8. */
            ONE_REF,
            /** GNT-28: read-only is ignored. */
            ALWAYS_WRITABLE,
            /** GNT-28: a reference whose end of access failed goes back to the free list. */
            FREES_REF_IN_USE
        }

        private final MemoryAccess mem;
        private final long[] frameGpa;
        private final int capacity;
        private final Set<Flaw> flaws;
        private final ArrayDeque<Integer> free = new ArrayDeque<>();
        private final boolean[] live;
        private final boolean[] handedOut;
        private final Map<Integer, Long> written = new HashMap<>();

        Toy(MemoryAccess mem, long[] tableFrames, Flaw... flaws) {
            this.mem = mem;
            this.flaws = flaws.length == 0 ? EnumSet.noneOf(Flaw.class) : EnumSet.of(flaws[0], flaws);
            this.frameGpa = new long[tableFrames.length];
            for (int i = 0; i < tableFrames.length; i++) {
                frameGpa[i] = GuestMemory.gpaOf(tableFrames[i]);
            }
            this.capacity = tableFrames.length * GrantEntryV1Layout.ENTRIES_PER_FRAME;
            this.live = new boolean[capacity];
            this.handedOut = new boolean[capacity];
            for (int r = capacity - 1; r >= (has(Flaw.RESERVED_REFS) ? 0 : 8); r--) {
                free.push(r);
            }
        }

        private boolean has(Flaw flaw) {
            return flaws.contains(flaw);
        }

        private long entry(int ref) {
            return frameGpa[ref / GrantEntryV1Layout.ENTRIES_PER_FRAME]
                    + (long) (ref % GrantEntryV1Layout.ENTRIES_PER_FRAME) * GrantEntryV1Layout.SIZE;
        }

        private void checkTarget(int domid, long gfn) {
            if (has(Flaw.NO_TARGET_CHECK)) {
                return;
            }
            if (domid < 0 || domid >= 0x7FF0 || gfn < 0 || gfn >= mem.byteSize() / GuestMemory.PAGE_SIZE) {
                throw new IllegalArgumentException("cannot grant frame " + gfn + " to " + domid);
            }
        }

        private void publish(int ref, int domid, long gfn, boolean readOnly) {
            long e = entry(ref);
            boolean ro = readOnly && !has(Flaw.ALWAYS_WRITABLE);
            int word = (domid << 16) | GrantFlags.PERMIT_ACCESS | (ro ? GrantFlags.READONLY : 0);
            if (has(Flaw.LINUX_PUBLISH)) {
                mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
                mem.setShort(e + GrantEntryV1Layout.DOMID_OFFSET, (short) domid);
                if (has(Flaw.UNSEEN_FENCE)) {
                    java.lang.invoke.VarHandle.releaseFence();
                } else {
                    mem.releaseFence(); // wmb()
                }
                mem.setShort(e + GrantEntryV1Layout.FLAGS_OFFSET, (short) word);
            } else if (has(Flaw.FLAGS_FIRST)) {
                mem.setIntRelease(e, word);
                mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
            } else {
                mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
                if (has(Flaw.PLAIN_FLAGS_STORE)) {
                    mem.setInt(e, word);
                } else {
                    mem.setIntRelease(e, word);
                }
            }
            written.put(ref, (gfn << 32) | (word & 0xFFFF_FFFFL));
        }

        @Override
        public synchronized int sharePage(int domid, long gfn, boolean readOnly) {
            checkTarget(domid, gfn);
            mem.fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, (byte) 0);
            return grantAccess(domid, gfn, readOnly);
        }

        @Override
        public synchronized int grantAccess(int domid, long gfn, boolean readOnly) {
            checkTarget(domid, gfn);
            if (free.isEmpty()) {
                return NO_FREE_REF;
            }
            int ref = has(Flaw.ONE_REF) ? 8 : free.pop();
            live[ref] = true;
            handedOut[ref] = true;
            publish(ref, domid, gfn, readOnly);
            return ref;
        }

        @Override
        public synchronized void grantReserved(int ref, int domid, long gfn, boolean readOnly) {
            if (!has(Flaw.RESERVED_ANY_REF) && (ref < 0 || ref >= 8)) {
                throw new IllegalArgumentException("not a reserved reference: " + ref);
            }
            checkTarget(domid, gfn);
            if (ref >= 0 && ref < capacity) {
                publish(ref, domid, gfn, readOnly);
            }
        }

        @Override
        public synchronized EndOfAccess endAccess(int ref) {
            boolean inRange = ref >= 0 && ref < capacity;
            if (!inRange || (!has(Flaw.END_ANY_REF) && (ref < 8 || !live[ref]))) {
                if (inRange && has(Flaw.DOUBLE_FREE) && handedOut[ref] && !live[ref]) {
                    free.push(ref);
                }
                return EndOfAccess.NOT_GRANTED;
            }
            long e = entry(ref);
            int seen = mem.getIntVolatile(e);
            while (true) {
                if ((seen & (GrantFlags.READING | GrantFlags.WRITING)) != 0) {
                    if (has(Flaw.FREES_REF_IN_USE)) {
                        free.push(ref);
                    }
                    return EndOfAccess.STILL_IN_USE;
                }
                if (has(Flaw.CHECK_THEN_STORE)) {
                    mem.setInt(e, seen & 0xFFFF0000);
                    break;
                }
                int witness = mem.compareAndExchangeInt(e, seen, seen & 0xFFFF0000);
                if (witness == seen) {
                    break;
                }
                seen = witness;
            }
            written.remove(ref);
            if (ref >= 8 && live[ref]) {
                live[ref] = false;
                if (!has(Flaw.LEAKS_REVOKED_REF) && !has(Flaw.ONE_REF)) {
                    free.push(ref);
                }
            }
            return EndOfAccess.REVOKED;
        }

        @Override
        public synchronized Entry query(int ref) {
            long e = entry(ref);
            long v;
            if (has(Flaw.QUERY_OWN_COPY) && written.containsKey(ref)) {
                v = written.get(ref);
            } else {
                v = (Integer.toUnsignedLong(mem.getInt(e + GrantEntryV1Layout.FRAME_OFFSET)) << 32)
                        | Integer.toUnsignedLong(mem.getIntVolatile(e));
            }
            return new Entry((int) (v & 0xFFFF), (int) ((v >>> 16) & 0xFFFF), v >>> 32);
        }

        @Override
        public synchronized int freeRefs() {
            return free.size();
        }
    }

    /** A pv-grant hypervisor with the {@link Toy} granting guest, flawed or not. */
    abstract static class ToyVerification extends BrokenVerification {
        abstract Toy.Flaw[] flaws();

        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
            return new Toy(memory, tableFrames, flaws());
        }
    }

    /** The toy without a flaw: passes every rule (so each flaw below is what fails). */
    static final class CorrectToy extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[0];
        }
    }

    /**
     * Not a flaw: the toy publishing as Linux does (16-bit domid and flags stores, a release fence between them through
     * {@code MemoryAccess.releaseFence()}); passes every rule. FE-11 failed it before the kit saw fences.
     */
    static final class LinuxPublishToy extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.LINUX_PUBLISH};
        }
    }

    /** FE-11: as {@link LinuxPublishToy}, but the fence is {@code VarHandle.releaseFence()}, out of the kit's sight. */
    static final class UnseenFence extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.LINUX_PUBLISH, Toy.Flaw.UNSEEN_FENCE};
        }
    }

    /** FE-11: flags and domid are published before the frame. */
    static final class FlagsBeforeFrame extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.FLAGS_FIRST};
        }
    }

    /** FE-11: the flags word is published with a plain store. */
    static final class FlagsPlainStore extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.PLAIN_FLAGS_STORE};
        }
    }

    /** FE-12: the end of access revokes any reference of the table, the reserved ones too, and answers REVOKED. */
    static final class EndsAnyReference extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.END_ANY_REF};
        }
    }

    /** FE-13: the end of access checks the busy bits, then clears the flags with a plain store (XSA-396). */
    static final class CheckThenStore extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.CHECK_THEN_STORE};
        }
    }

    /** FE-14: a second end of an ended reference puts it on the free list again. */
    static final class FreesTwice extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.DOUBLE_FREE};
        }
    }

    /** FE-14: revoked references are never handed out again. */
    static final class LeaksRevokedRefs extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.LEAKS_REVOKED_REF};
        }
    }

    /** FE-15: grantReserved writes references of the allocator. */
    static final class ReservedGrantOfAnyRef extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.RESERVED_ANY_REF};
        }
    }

    /** FE-15: grants to reserved domain ids and of frames outside the guest are made. */
    static final class NoTargetCheck extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.NO_TARGET_CHECK};
        }
    }

    /** FE-16: query answers the guest's own copy of the entry, without the hypervisor's busy bits. */
    static final class QueryOwnCopy extends ToyVerification {
        @Override
        Toy.Flaw[] flaws() {
            return new Toy.Flaw[] {Toy.Flaw.QUERY_OWN_COPY};
        }
    }
}
