package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventChannels#bindVcpu} write-locks the port it changes (the class's locking contract: an operation that
 * changes a binding waits for the deliveries in progress on it). A send holds its port's read lock while it calls the
 * receiver's {@link VcpuKicker}; here that kicker blocks until the test releases it, and a bind_vcpu of the sender's
 * port started meanwhile must not complete before the send does. (A correct bind_vcpu can never complete in that
 * window; the bounded join only limits how long the test looks.)
 */
class BindVcpuLockTest {
    static final Duration LOOK = Duration.ofMillis(300);
    static final Duration BOUND = Duration.ofSeconds(20);

    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    volatile VcpuKicker guestKick = VcpuKicker.POLLING;
    int guestPort;
    int dom0Port;

    @BeforeEach
    void setUp() {
        dom0Mem = GuestMemory.allocate(2);
        guestMem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 2, true), 1, VcpuKicker.POLLING);
        evtchn.addDomain(new DomainSpec(1, guestMem, 1, false), 1, vcpu -> guestKick.kick(vcpu));
        guestPort = evtchn.allocUnbound(1, DomId.SELF, 0);
        dom0Port = evtchn.bindInterdomain(0, 1, guestPort);
        guestMem.fill(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE, (byte) 0); // the next send kicks the guest
    }

    @AfterEach
    void tearDown() {
        dom0Mem.close();
        guestMem.close();
    }

    @Test
    @Timeout(60)
    void aBindVcpuWaitsForTheSendInProgressOnItsPort() throws InterruptedException {
        CountDownLatch inKicker = new CountDownLatch(1);
        CountDownLatch releaseKicker = new CountDownLatch(1);
        guestKick = vcpu -> {
            inKicker.countDown();
            try {
                assertTrue(releaseKicker.await(BOUND.toSeconds(), TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        AtomicInteger sent = new AtomicInteger(1);
        AtomicInteger bound = new AtomicInteger(1);
        Thread sender = Thread.ofPlatform().daemon().start(() -> sent.set(evtchn.send(0, dom0Port)));
        assertTrue(inKicker.await(BOUND.toSeconds(), TimeUnit.SECONDS), "the send reached the kicker");
        Thread binder = Thread.ofPlatform().daemon().start(() -> bound.set(evtchn.bindVcpu(0, dom0Port, 1)));
        assertFalse(binder.join(LOOK), "bind_vcpu completed while a send held its port");
        releaseKicker.countDown();
        assertTrue(sender.join(BOUND));
        assertTrue(binder.join(BOUND));
        assertEquals(0, sent.get());
        assertEquals(0, bound.get());
        assertEquals(1, evtchn.inspect(0, dom0Port).vcpu(), "after the send, bind_vcpu moved the port");
    }
}
