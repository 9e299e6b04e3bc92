package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.XenErrno;
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
 * Readers racing binds: while one thread binds and closes the same ports over and over (alloc_unbound,
 * bind_interdomain, bind_ipi, close), another sends on them and reads their status. A new binding must appear
 * whole: a send never finds an interdomain port without its peer (it would throw), and a status is always one
 * binding (an interdomain port names its remote domain and a non-zero remote port, an IPI its vCPU, a closed
 * port vCPU 0). Guards the binding path, which publishes a free port's new binding without the port's write
 * lock. Like every race test it can only catch a window that opens while both threads run: with the state
 * published before the peer field and a {@code Thread.yield()} between them, it failed on the first run (a send
 * threw NullPointerException on the missing peer); with the same misordering and only a spin between the stores
 * it passed on the loaded 2-vCPU machine, so it guards the order of the stores, not the JIT's or the CPU's
 * (jcstress covers those). {@code -Dpvkit.race.rounds=N} (default 5000) sets the rounds.
 */
class BindPublishRaceTest {
    private static final int ROUNDS = Integer.getInteger("pvkit.race.rounds", 5_000);
    private static final int EINVAL = (int) XenErrno.EINVAL.negated();
    private final List<GuestMemory> memories = new ArrayList<>();

    @AfterEach
    void tearDown() {
        memories.forEach(GuestMemory::close);
    }

    private void register(EventChannels evtchn, int domid, int vcpus) {
        GuestMemory m = GuestMemory.allocate(1);
        memories.add(m);
        evtchn.addDomain(new DomainSpec(domid, m, vcpus, false), 0, VcpuKicker.POLLING);
    }

    private static String check(ChannelStatus s, int peer) {
        if (!s.ok()) {
            return "status failed: " + s;
        }
        boolean whole = switch (s.state()) {
            case INTERDOMAIN -> s.remoteDom() == peer && s.remotePort() > 0 && s.vcpu() == 0;
            case UNBOUND -> s.remoteDom() == peer && s.remotePort() == 0 && s.vcpu() == 0;
            case IPI -> s.vcpu() == 1 && s.remoteDom() == 0;
            case CLOSED -> s.vcpu() == 0 && s.remoteDom() == 0 && s.remotePort() == 0;
            default -> false;
        };
        return whole ? null : "half a binding: " + s;
    }

    @Test
    @Timeout(120)
    void aNewBindingAppearsWhole() throws InterruptedException {
        EventChannels evtchn = new EventChannels();
        register(evtchn, 0, 2);
        register(evtchn, 1, 2);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong observed = new AtomicLong();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().name("reader").start(() -> {
            try {
                long n = 0;
                while (!stop.get() && bad.get() == null) {
                    for (int port = 1; port <= 2; port++) {
                        int r0 = evtchn.send(0, port);
                        int r1 = evtchn.send(1, port);
                        if ((r0 != 0 && r0 != EINVAL) || (r1 != 0 && r1 != EINVAL)) {
                            bad.compareAndSet(null, "send returned " + r0 + "/" + r1);
                        }
                        String a = check(evtchn.status(0, DomId.SELF, port), 1);
                        String b = check(evtchn.status(1, DomId.SELF, port), 0);
                        if (a != null || b != null) {
                            bad.compareAndSet(null, "port " + port + ": " + (a != null ? "dom0 " + a : "dom1 " + b));
                        }
                        n++;
                    }
                }
                observed.set(n);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            for (int round = 0; round < ROUNDS && bad.get() == null && failure.get() == null; round++) {
                int offered = evtchn.allocUnbound(1, DomId.SELF, 0);
                int local = evtchn.bindInterdomain(0, 1, offered);
                assertEquals(1, offered);
                assertEquals(1, local);
                int ipi0 = evtchn.bindIpi(0, 1);
                int ipi1 = evtchn.bindIpi(1, 1);
                assertEquals(2, ipi0);
                assertEquals(2, ipi1);
                for (int spin = 0; spin < 100; spin++) {
                    Thread.onSpinWait();
                }
                assertEquals(0, evtchn.close(1, offered)); // dom0's end goes unbound, offered to dom1
                assertEquals(0, evtchn.close(0, local));
                assertEquals(0, evtchn.close(0, ipi0));
                assertEquals(0, evtchn.close(1, ipi1));
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertNull(failure.get(), () -> "the reader threw: " + failure.get());
        assertNull(bad.get());
        assertTrue(observed.get() > 0, "the reader never ran: the race was not exercised");
    }
}
