package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of GNT-20 and GNT-21 (the granter changes an entry on purpose between the implementation's reads,
 * through a {@link HostileMemory} view of its table), split out of {@link GrantTableVerification}, which keeps the
 * public test methods and their Javadoc. One instance serves one test method, with that method's hypervisor and
 * domains.
 */
final class HostileEntries {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int FIRST_REF = 8;

    private final HypervisorUnderTest hypervisor;
    private final GrantDomain a;
    private final GrantDomain b;
    private final GrantDomain c;

    HostileEntries(HypervisorUnderTest hypervisor, GrantDomain a, GrantDomain b, GrantDomain c) {
        this.hypervisor = hypervisor;
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** Xen gives up after 5 attempts; the kit accepts at most this many accesses to one entry's word per use. */
    private static final int MAX_WORD_ACCESSES = 32;

    /**
     * The hostile view of the granter A (skips unless the implementation declares
     * {@link Capability#SHARED_MEMORY_VIEW}), with the word and the frame of {@code ref} registered.
     */
    private HostileMemory hostileEntry(int ref) {
        Assumptions.assumeTrue(hypervisor.capabilities().contains(Capability.SHARED_MEMORY_VIEW),
                "capability SHARED_MEMORY_VIEW not declared: the kit cannot stand between the implementation and "
                        + "the grant entries");
        assertNotNull(a.hostile, "the implementation declares SHARED_MEMORY_VIEW but did not call "
                + "DomainConfig.sharedView(memory) when it created the domain");
        long entry = a.entryGpa(ref);
        return a.hostile.field(entry + GrantEntryV1Layout.FLAGS_OFFSET, 4).field(entry + GrantEntryV1Layout.FRAME_OFFSET, 4);
    }


    /** The body of the rule method of the same name in {@link GrantTableVerification}. */
    void entryIsReadOnceAndCheckedOnTheSwappedValue() {
        HostileMemory h = hostileEntry(FIRST_REF);
        a.fillFrame(a.data(0), (byte) 0x0A);
        a.fillFrame(a.data(1), (byte) 0x0B);

        // re-granted to C right after the first read of the word: B's map must not pin C's grant
        int ref = FIRST_REF;
        long word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        int toC = (c.domid() << 16) | GrantFlags.PERMIT_ACCESS;
        a.grant(ref, b.domid(), a.data(0), false);
        h.changeAfterFirstRead(word, 4, toC);
        assertNegative(b.map(a.domid(), ref, HOST, 0x1000).status(),
                "map by B of an entry the granter re-granted to C right after the first read of its word");
        assertEquals(toC, a.mem.getIntVolatile(word), "the re-granted entry was changed (busy bits set on C's grant)");

        // made read-only right after the first read: a writable map must not set GTF_writing
        ref = FIRST_REF + 1;
        word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        hostileEntry(ref);
        a.grant(ref, b.domid(), a.data(0), false);
        h.afterRead(word, 4, 1, mem -> mem.getAndBitwiseOrInt(a.entryGpa(FIRST_REF + 1), GrantFlags.READONLY));
        assertNegative(b.map(a.domid(), ref, HOST, 0x1000).status(),
                "writable map of an entry the granter made read-only right after the first read of its word");
        assertEquals(0, a.busy(ref), "busy bits left on the entry made read-only");

        // another frame right after the first read of the frame: the map acts on the frame it read
        ref = FIRST_REF + 2;
        word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        long frame = a.entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET;
        hostileEntry(ref);
        a.grant(ref, b.domid(), a.data(0), true);
        h.changeAfterFirstRead(frame, 4, a.data(1));
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status(), "read-only map of a valid grant");
        int wordAccesses = h.reads(word);
        assertTrue(wordAccesses <= 2, "the flags+domid word was accessed " + wordAccesses
                + " times by one uncontended map (a load and a compare-and-swap at most): a double fetch");
        b.fillFrame(b.data(0), (byte) 0);
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 32,
                GntCopy.SOURCE_GREF))[0], "copy from the mapped entry");
        assertEquals(0x0A, b.byteAt(b.data(0), 31), "the mapping uses a frame read again after the one it validated");
        assertEquals(1, h.reads(frame), "the frame was read " + h.reads(frame) + " times for one first pin");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));

        // the same for a copy that pins the entry first
        ref = FIRST_REF + 3;
        frame = a.entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET;
        hostileEntry(ref);
        a.grant(ref, b.domid(), a.data(0), true);
        h.changeAfterFirstRead(frame, 4, a.data(1));
        b.fillFrame(b.data(0), (byte) 0);
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 32,
                GntCopy.SOURCE_GREF))[0], "copy from a valid grant");
        assertEquals(0x0A, b.byteAt(b.data(0), 31), "the copy used a frame read again after the one it validated");
        assertEquals(1, h.reads(frame), "the frame was read " + h.reads(frame) + " times for one copy");
        assertEquals(0, a.busy(ref));
    }

    /** The body of the rule method of the same name in {@link GrantTableVerification}. */
    void unstableEntryIsGivenUp() {
        HostileMemory h = hostileEntry(FIRST_REF);
        for (int i = 0; i < 2; i++) {
            int ref = FIRST_REF + i;
            long word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
            hostileEntry(ref);
            a.grant(ref, b.domid(), a.data(0), true);
            for (int n = 1; n <= 10 * MAX_WORD_ACCESSES; n++) {
                h.afterRead(word, 4, n, mem -> mem.setIntVolatile(word, mem.getIntVolatile(word) ^ GrantFlags.PCD));
            }
            String what = i == 0 ? "map" : "copy";
            int st = i == 0 ? b.map(a.domid(), ref, HOST | RO, 0x1000).status()
                    : b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 8, GntCopy.SOURCE_GREF))[0];
            int accesses = h.reads(word);
            assertTrue(accesses <= MAX_WORD_ACCESSES, "a " + what + " of an entry that changes after every access made "
                    + accesses + " accesses to its word (at most " + MAX_WORD_ACCESSES + " allowed; Xen gives up after 5 "
                    + "compare-and-swaps)");
            assertNegative(st, what + " of an entry that changes after every access (never stable)");
            assertEquals(0, a.busy(ref), "busy bits left by the " + what + " that gave up");
        }
    }

    /** The body of the rule method of the same name in {@link GrantTableVerification}. */
    void frameIsReadOnlyAfterTheEntryIsSeenValid() {
        HostileMemory h = hostileEntry(FIRST_REF);
        a.fillFrame(a.data(0), (byte) 0x0A);
        a.fillFrame(a.data(1), (byte) 0x0B);
        for (int i = 0; i < 2; i++) {
            int ref = FIRST_REF + i;
            long entry = a.entryGpa(ref);
            hostileEntry(ref);
            a.mem.setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) a.data(1)); // stale: not granted
            a.mem.setIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET, b.domid() << 16);
            h.afterRead(entry + GrantEntryV1Layout.FRAME_OFFSET, 4, 1, mem -> {
                mem.setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) a.data(0));
                mem.setIntRelease(entry + GrantEntryV1Layout.FLAGS_OFFSET,
                        (b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY);
            });
            b.fillFrame(b.data(0), (byte) 0);
            if (i == 0) {
                GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | RO, 0x1000);
                if (m.status() == OKAY) {
                    assertEquals(OKAY, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 32,
                            GntCopy.SOURCE_GREF))[0], "copy from the mapped entry");
                    assertEquals(0x0A, b.byteAt(b.data(0), 31),
                            "the mapping uses a frame read before the entry was published");
                    assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
                }
            } else {
                short st = b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 32,
                        GntCopy.SOURCE_GREF))[0];
                if (st == OKAY) {
                    assertEquals(0x0A, b.byteAt(b.data(0), 31), "the copy used a frame read before the entry was published");
                }
            }
            assertEquals(0, a.busy(ref), "busy bits left on the entry");
        }
    }

    private static void assertNegative(long status, String what) {
        GrantTableSetupVerification.assertNegative(status, what);
    }
}
