package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What happens at the preemption points of {@link EventChannels#reset} and {@link EventChannels#releaseDomain}
 * (between chunks of {@link EventChannels#TEARDOWN_CHUNK} ports, no lock held): how many there are, and what a
 * teardown answers when another thread's teardown of the same domain ran at one of them, or when the hook threw.
 * The other thread is started and joined inside the hook, so the interleaving is fixed.
 */
class TeardownPreemptionTest {
    static final int ESRCH = (int) XenErrno.ESRCH.negated();
    static final int EBUSY = (int) XenErrno.EBUSY.negated();

    DomainPair pair;
    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;

    @BeforeEach
    void setUp() {
        pair = new DomainPair(1);
        dom0Mem = pair.dom0Mem;
        guestMem = pair.guestMem;
        evtchn = pair.evtchn;
        for (int i = 0; i < 200; i++) {
            assertTrue(evtchn.bindIpi(1, 0) > 0);
        }
    }

    @AfterEach
    void tearDown() {
        pair.close();
    }

    /** Runs {@code action} on another thread and waits for it (bounded). */
    static void onAnotherThread(Runnable action) {
        Thread t = Thread.ofPlatform().daemon().start(action);
        try {
            assertTrue(t.join(java.time.Duration.ofSeconds(30)), "the other thread's teardown returned");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aResetOf256PortsStopsAtThreePreemptionPointsBetweenItsFourChunks() {
        AtomicInteger points = new AtomicInteger();
        evtchn.onPreemptionPoint(points::incrementAndGet);
        assertEquals(0, evtchn.reset(1, DomId.SELF));
        assertEquals(3, points.get(), "ports 1..255 in chunks of 64: after the first three, none after the last");
        assertEquals(EvtchnStatus.CLOSED, evtchn.inspect(1, 200).state());
    }

    @Test
    @Timeout(60)
    void aReleaseThatFindsTheDomainReleasedByAConcurrentCallAnswersDone() {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<Boolean> otherDone = new AtomicReference<>();
        Thread releaser = Thread.currentThread();
        evtchn.onPreemptionPoint(() -> {
            if (Thread.currentThread() == releaser && first.getAndSet(false)) {
                onAnotherThread(() -> otherDone.set(evtchn.releaseDomain(1, 4096)));
            }
        });
        assertTrue(evtchn.releaseDomain(1, 4096), "the domain is gone: released by the other call meanwhile");
        assertEquals(Boolean.TRUE, otherDone.get());
        assertFalse(evtchn.hasDomain(1));
    }

    @Test
    @Timeout(60)
    void aResetWhoseTargetStartedDyingMeanwhileAnswersEsrch() {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<Boolean> releaseDone = new AtomicReference<>();
        Thread resetter = Thread.currentThread();
        evtchn.onPreemptionPoint(() -> {
            if (Thread.currentThread() == resetter && first.getAndSet(false)) {
                // the toolstack starts destroying the domain: one step of its release, which leaves ports bound
                onAnotherThread(() -> releaseDone.set(evtchn.releaseDomain(1, 1)));
            }
        });
        assertEquals(ESRCH, evtchn.reset(0, 1), "the reset stops: its target is being destroyed");
        assertEquals(Boolean.FALSE, releaseDone.get());
        assertEquals(EvtchnStatus.IPI, evtchn.inspect(1, 100).state(), "the reset closed no port after that point");
        evtchn.onPreemptionPoint(() -> { });
        while (!evtchn.releaseDomain(1, 64)) {
            // the release goes on, and ends
        }
        assertFalse(evtchn.hasDomain(1));
    }

    @Test
    void aPreemptionHookThatThrowsEndsTheResetAndLeavesNoLockHeld() {
        IllegalStateException boom = new IllegalStateException("hook failed");
        AtomicBoolean armed = new AtomicBoolean(true);
        evtchn.onPreemptionPoint(() -> {
            if (armed.getAndSet(false)) {
                throw boom;
            }
        });
        assertSame(boom, assertThrows(IllegalStateException.class, () -> evtchn.reset(1, DomId.SELF)));
        // the lock is free and the reset flag cleared: other operations and a second reset proceed
        assertEquals(1, evtchn.allocUnbound(1, DomId.SELF, 0), "port 1 was closed by the first chunk");
        assertEquals(0, evtchn.reset(1, DomId.SELF), "not -EBUSY: the failed reset is over");
        assertEquals(EvtchnStatus.CLOSED, evtchn.inspect(1, 200).state());
    }

    @Test
    @Timeout(60)
    void aSecondResetOfTheSameDomainWhileOneRunsAnswersEbusy() {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicInteger other = new AtomicInteger(1);
        Thread resetter = Thread.currentThread();
        evtchn.onPreemptionPoint(() -> {
            if (Thread.currentThread() == resetter && first.getAndSet(false)) {
                onAnotherThread(() -> other.set(evtchn.reset(0, 1)));
            }
        });
        assertEquals(0, evtchn.reset(1, DomId.SELF));
        assertEquals(EBUSY, other.get());
    }
}
