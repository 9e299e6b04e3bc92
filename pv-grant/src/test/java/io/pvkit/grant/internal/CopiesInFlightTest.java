package io.pvkit.grant.internal;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CopiesInFlight}: the per-thread announcements a teardown scans for copies still using a domain's memory.
 */
class CopiesInFlightTest {
    private GuestMemory memory;
    private DomainGrants a;
    private DomainGrants b;
    private DomainGrants c;

    @BeforeEach
    void domains() {
        memory = GuestMemory.allocate(4);
        a = new DomainGrants(1, memory, memory, false, 0, 1, 4);
        b = new DomainGrants(2, memory, memory, false, 0, 1, 4);
        c = new DomainGrants(3, memory, memory, false, 0, 1, 4);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void shouldGiveEachPlatformThreadOneSlotAndAVirtualThreadNone() throws Exception {
        CopiesInFlight f = new CopiesInFlight();
        CopiesInFlight.Slot mine = f.slot();
        assertNotNull(mine);
        assertSame(mine, f.slot(), "the same slot for the same thread");
        AtomicReference<CopiesInFlight.Slot> other = new AtomicReference<>();
        Thread p = Thread.ofPlatform().start(() -> other.set(f.slot()));
        p.join();
        assertNotNull(other.get());
        assertFalse(mine == other.get(), "another thread, another slot");
        AtomicReference<Object> virtual = new AtomicReference<>("unset");
        Thread v = Thread.ofVirtual().start(() -> virtual.set(f.slot()));
        v.join();
        assertNull(virtual.get(), "a virtual thread takes the locked path");
    }

    @Test
    void shouldReportADomainUsedByAnEnteredSlotUntilItsExit() {
        CopiesInFlight f = new CopiesInFlight();
        assertFalse(f.uses(a), "no slot at all");
        CopiesInFlight.Slot s = f.slot();
        assertFalse(f.uses(a), "a slot with nothing in flight");
        s.enter(a, b);
        assertTrue(f.uses(a), "the source");
        assertTrue(f.uses(b), "the destination");
        assertFalse(f.uses(c));
        s.exit();
        assertFalse(f.uses(a));
        assertFalse(f.uses(b));
        s.enter(c, c);
        assertTrue(f.uses(c), "one domain on both sides");
        assertFalse(f.uses(a));
        s.exit();
        assertFalse(f.uses(c));
    }

    @Test
    void shouldScanTheSlotsOfOtherThreads() throws Exception {
        CopiesInFlight f = new CopiesInFlight();
        f.slot(); // this thread's slot first, so the other one is not the only one
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            CopiesInFlight.Slot s = f.slot();
            s.enter(b, c);
            entered.countDown();
            try {
                leave.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.exit();
        });
        assertTrue(entered.await(20, TimeUnit.SECONDS));
        assertTrue(f.uses(b));
        assertTrue(f.uses(c));
        assertFalse(f.uses(a));
        leave.countDown();
        t.join();
        assertFalse(f.uses(b));
    }

    @Test
    void shouldDropTheSlotsOfEndedThreadsWhenANewOneRegisters() throws Exception {
        CopiesInFlight f = new CopiesInFlight();
        AtomicReference<CopiesInFlight.Slot> dead = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            CopiesInFlight.Slot s = f.slot();
            dead.set(s);
            s.enter(a, a); // left announced on purpose: only a dropped slot stops reporting it
        });
        t.join();
        assertTrue(f.uses(a), "the ended thread's slot is still scanned");
        f.slot(); // this thread registers: the ended thread's slot is dropped
        assertFalse(f.uses(a), "dropped at the next registration");
        assertTrue(dead.get().uses(a), "the slot itself was not cleared: it is no longer scanned");
    }
}
