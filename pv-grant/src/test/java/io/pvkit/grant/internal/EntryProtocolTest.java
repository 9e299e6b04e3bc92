package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GuestGrantTable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The set-status CAS protocol against a real grant entry whose word a hostile granter changes between the
 * hypervisor's read and its CAS, through the {@code beforeCas} seam (deterministic, real memory).
 */
class EntryProtocolTest {
    private static final int GRANTEE = 2;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    /** A granter (domain 1) with its table at frame 0 and one writable grant to domain 2. */
    private record Granter(GuestMemory memory, DomainGrants domain, int ref, long word) {
        static Granter create() {
            GuestMemory memory = GuestMemory.allocate(8);
            DomainGrants domain = new DomainGrants(1, memory, memory, false, 0, 1, 16);
            int ref = new GuestGrantTable(memory, 0).grantAccess(GRANTEE, 4, false);
            return new Granter(memory, domain, ref, domain.entryGpa(ref));
        }

        /** A harmless change of the word (GTF_PCD toggled): the type and domid checks still pass. */
        void flip() {
            memory.setIntVolatile(word, memory.getIntVolatile(word) ^ GrantFlags.PCD);
        }
    }

    @ParameterizedTest(name = "readOnly={0}")
    @ValueSource(booleans = {true, false})
    void shouldGiveUpAfterFiveFailedCasAttemptsLeavingNoBusyBit(boolean readOnly) {
        Granter g = Granter.create();
        AtomicInteger attempts = new AtomicInteger();
        int st = EntryProtocol.setStatus(g.domain(), g.ref(), false, readOnly, GRANTEE, true, () -> {
            attempts.incrementAndGet();
            g.flip();
        });
        assertEquals(Gntst.GENERAL_ERROR, st, "an entry that changes before every CAS is 'unstable'");
        assertEquals(EntryProtocol.MAX_ATTEMPTS, attempts.get(), "exactly 5 CAS attempts");
        assertEquals(5, EntryProtocol.MAX_ATTEMPTS);
        int word = g.memory().getIntVolatile(g.word());
        assertEquals(0, word & BUSY, "no busy bit left set");
        assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.PCD, word & 0xFFFF, "only the granter's own change");
        assertEquals(GRANTEE, word >>> 16, "domid untouched");
        g.memory().close();
    }

    @Test
    void shouldSucceedOnFifthAttemptWhenWordSettles() {
        Granter g = Granter.create();
        AtomicInteger attempts = new AtomicInteger();
        int st = EntryProtocol.setStatus(g.domain(), g.ref(), false, false, GRANTEE, true, () -> {
            if (attempts.incrementAndGet() < EntryProtocol.MAX_ATTEMPTS) {
                g.flip();
            }
        });
        assertEquals(Gntst.OKAY, st);
        assertEquals(EntryProtocol.MAX_ATTEMPTS, attempts.get());
        assertEquals(BUSY, g.memory().getIntVolatile(g.word()) & BUSY, "reading and writing set by the 5th CAS");
        g.memory().close();
    }

    @Test
    void shouldRecheckDomidOnTheValueTheCasReplaces() {
        Granter g = Granter.create();
        AtomicInteger attempts = new AtomicInteger();
        int st = EntryProtocol.setStatus(g.domain(), g.ref(), false, true, GRANTEE, true, () -> {
            if (attempts.incrementAndGet() == 1) {
                // the granter re-grants the entry to domain 3 between the read and the CAS
                g.memory().setIntVolatile(g.word(), (3 << 16) | GrantFlags.PERMIT_ACCESS);
            }
        });
        assertEquals(Gntst.GENERAL_ERROR, st, "the domid check applies to the value seen by the failed CAS");
        assertEquals(1, attempts.get());
        assertEquals(0, g.memory().getIntVolatile(g.word()) & BUSY);
        g.memory().close();
    }

    @org.junit.jupiter.api.Test
    void shouldFailLoudlyOnAPinUnderflowInsteadOfClamping() {
        ActiveEntry act = new ActiveEntry();
        org.junit.jupiter.api.Assertions.assertThrows(PinUnderflowException.class,
                () -> EntryProtocol.pin(act, io.pvkit.abi.grant.GntMap.HOST_MAP, true, -1));
        org.junit.jupiter.api.Assertions.assertThrows(PinUnderflowException.class,
                () -> EntryProtocol.pin(act, io.pvkit.abi.grant.GntMap.DEVICE_MAP, false, -1));
        org.junit.jupiter.api.Assertions.assertThrows(PinUnderflowException.class, () -> EntryProtocol.decrement(0, "copyRead"));
        EntryProtocol.pin(act, io.pvkit.abi.grant.GntMap.HOST_MAP, true, +1);
        EntryProtocol.pin(act, io.pvkit.abi.grant.GntMap.HOST_MAP, true, -1);
        org.junit.jupiter.api.Assertions.assertEquals(0, act.hostRead);
    }

    @org.junit.jupiter.api.Test
    void shouldDecrementACountByOneWhateverItsValue() {
        org.junit.jupiter.api.Assertions.assertEquals(1, EntryProtocol.decrement(2, "copyRead"),
                "two copies of one entry in flight: one remains");
        org.junit.jupiter.api.Assertions.assertEquals(0, EntryProtocol.decrement(1, "copyWrite"));
        org.junit.jupiter.api.Assertions.assertEquals(127, EntryProtocol.decrement(128, "copyWrite"));
    }

    @org.junit.jupiter.api.Test
    void shouldNameTheCounterAndTheValuesInAnUnderflow() {
        PinUnderflowException e = org.junit.jupiter.api.Assertions.assertThrows(PinUnderflowException.class,
                () -> EntryProtocol.decrement(0, "copyWrite"));
        org.junit.jupiter.api.Assertions.assertEquals(
                "pin count copyWrite underflow (0 -1): a grant use released twice", e.getMessage());
    }
}
