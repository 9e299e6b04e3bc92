package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A send racing a close and a rebind of the receiving port, from two threads for many rounds: the send must
 * deliver to the binding it found or to none, never to the port after it was closed and reused (the send path
 * takes no global lock, so this is what its per-port locking must guarantee).
 *
 * <p>dom0 sends on its end of a channel to dom1 in a loop. The other thread, each round: dom1 closes its end
 * (dom0's end becomes unbound, so from then on dom0's sends are dropped), allocates the same port number again
 * offered to dom2 and lets dom2 bind it; dom2 never sends. Any pending bit on that reused port is a stale send
 * that crossed the close. Then the channel to dom0 is rebuilt on the same port numbers for the next round.
 * {@code -Dpvkit.race.rounds=N} (default 5000) sets the rounds.
 */
class SendCloseRaceTest {
    private static final int ROUNDS = Integer.getInteger("pvkit.race.rounds", 5_000);
    private final List<GuestMemory> memories = new ArrayList<>();

    @AfterEach
    void tearDown() {
        memories.forEach(GuestMemory::close);
    }

    private GuestMemory register(EventChannels evtchn, int domid) {
        GuestMemory m = GuestMemory.allocate(1);
        memories.add(m);
        evtchn.addDomain(new DomainSpec(domid, m, 1, false), 0, VcpuKicker.POLLING);
        return m;
    }

    private static boolean pending(GuestMemory m, int port) {
        return (m.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port / 64) * 8L) & (1L << (port % 64))) != 0;
    }

    @Test
    @Timeout(120)
    void sendRacingCloseNeverReachesTheReusedPort() throws InterruptedException {
        EventChannels evtchn = new EventChannels();
        register(evtchn, 0);
        GuestMemory dom1 = register(evtchn, 1);
        register(evtchn, 2);
        int gp = evtchn.allocUnbound(1, DomId.SELF, 0);
        int dp = evtchn.bindInterdomain(0, 1, gp);
        assertTrue(gp > 0 && dp > 0);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong delivered = new AtomicLong();
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Thread sender = Thread.ofPlatform().name("dom0-sender").start(() -> {
            try {
                long ok = 0;
                while (!stop.get()) {
                    if (evtchn.send(0, dp) == 0) {
                        ok++;
                    }
                }
                delivered.set(ok);
            } catch (Throwable t) {
                senderFailure.set(t);
            }
        });

        int misdeliveries = 0;
        int firstBadRound = -1;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                // let the sender reach the live binding (bounded: a descheduled sender only weakens the round)
                for (int spin = 0; spin < 10_000 && !pending(dom1, gp); spin++) {
                    Thread.onSpinWait();
                }
                assertEquals(0, evtchn.close(1, gp));                     // dom0's end goes unbound
                int reused = evtchn.allocUnbound(1, DomId.SELF, 2);         // lowest free: the same number
                assertEquals(gp, reused, "the port must be reused for the race to mean anything");
                boolean stale = pending(dom1, reused);
                int d2 = evtchn.bindInterdomain(2, 1, reused);
                assertTrue(d2 > 0);
                for (int spin = 0; spin < 200; spin++) {
                    Thread.onSpinWait();
                }
                stale |= pending(dom1, reused);
                if (stale) {
                    misdeliveries++;
                    if (firstBadRound < 0) {
                        firstBadRound = round;
                    }
                }
                // rebuild the channel dom0 <-> dom1 on the same numbers for the next round
                assertEquals(0, evtchn.close(2, d2));
                assertEquals(0, evtchn.close(1, reused));
                assertEquals(0, evtchn.close(0, dp));
                assertEquals(gp, evtchn.allocUnbound(1, DomId.SELF, 0));
                assertEquals(dp, evtchn.bindInterdomain(0, 1, gp));
            }
        } finally {
            stop.set(true);
            sender.join();
        }
        assertNull(senderFailure.get());
        assertTrue(delivered.get() > 0, "the sender never delivered: the race was not exercised");
        assertEquals(0, misdeliveries, "sends that crossed a close reached the reused port in " + misdeliveries
                + " of " + ROUNDS + " rounds (first: round " + firstBadRound + ")");
    }
}
