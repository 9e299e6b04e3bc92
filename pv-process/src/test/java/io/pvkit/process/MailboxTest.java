package io.pvkit.process;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mailbox protocol between two threads over a real sealed page (the cross-process tests are in SessionTest). */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MailboxTest {
    private SealedGuestMemory page;
    private GuestMemory guestMem;
    private final AtomicLong handled = new AtomicLong();

    @BeforeEach
    void setUp() {
        page = SealedGuestMemory.create("mailbox", 1);
        guestMem = GuestMemory.allocate(4);
        MailboxServer.format(page.memory(), 7, 2);
    }

    @AfterEach
    void tearDown() {
        page.close();
        guestMem.close();
    }

    private MailboxServer server(int vcpu, HypercallHandler h) {
        return new MailboxServer(page.memory(), h, HypercallContext.of(7, vcpu, false, guestMem),
                MailboxHypercalls.defaultIdle());
    }

    private final HypercallHandler echo = (caller, op, a1, a2, a3, a4, a5) -> {
        handled.incrementAndGet();
        if (op == 99) {
            throw new IllegalStateException("handler bug");
        }
        return caller.domid() * 1000L + caller.vcpu() * 100L + op + a1 + a2 + a3 + a4 + a5;
    };

    @Test
    void shouldCarryOpArgumentsAndResultAcrossThreadsWithTheServersContext() throws Exception {
        MailboxServer s0 = server(0, echo);
        MailboxServer s1 = server(1, echo);
        Thread t0 = Thread.ofPlatform().start(s0);
        Thread t1 = Thread.ofPlatform().start(s1);
        MailboxHypercalls guest = new MailboxHypercalls(page.memory(), 2, MailboxHypercalls::defaultIdle);
        // the guest's own context says domid 1: the hypervisor uses its own (domid 7)
        HypercallContext self0 = HypercallContext.of(1, 0, false, guestMem);
        HypercallContext self1 = HypercallContext.of(1, 1, false, guestMem);
        long sum = 0;
        for (int i = 0; i < 2_000; i++) {
            sum += guest.hypercall(i % 2 == 0 ? self0 : self1, 17, 1, 2, 3, 4, i);
        }
        long expected = 0;
        for (int i = 0; i < 2_000; i++) {
            expected += 7000 + (i % 2) * 100 + 17 + 10 + i;
        }
        assertEquals(expected, sum);
        assertEquals(1000, s0.served());
        assertEquals(1000, page.memory().getLong(MailboxLayout.mailboxOffset(1) + MailboxLayout.SERVED_OFFSET));
        assertEquals(-XenErrno.EINVAL.value(), guest.hypercall(self0, 99, 0, 0, 0, 0, 0), "an escaping exception");
        assertEquals(1, s0.escapes());
        assertEquals(XenErrno.ENOSYS.negated(), guest.hypercall(self0, -1L, 0, 0, 0, 0, 0), "op above u32");
        assertEquals(XenErrno.ENOSYS.negated(), guest.hypercall(self0, 1L << 32, 0, 0, 0, 0, 0));
        assertEquals(2, s0.rejected());
        assertEquals(XenErrno.EINVAL.negated(), guest.hypercall(HypercallContext.of(1, 5, false, guestMem), 17, 0, 0, 0, 0, 0),
                "a vCPU without a mailbox");
        s0.stop();
        s1.stop();
        t0.join();
        t1.join();
    }

    @Test
    void shouldAnswerABadSequenceNumberWithEinvalWithoutCallingTheHandler() {
        MailboxServer s = server(0, echo);
        long base = MailboxLayout.mailboxOffset(0);
        GuestMemory m = page.memory();
        m.setInt(base + MailboxLayout.SEQ_OFFSET, 5);   // expected 1
        m.setLong(base + MailboxLayout.OP_OFFSET, 17);
        m.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_REQUEST);
        assertTrue(s.serveOnce());
        assertEquals(XenErrno.EINVAL.negated(), m.getLong(base + MailboxLayout.RESULT_OFFSET));
        assertEquals(5, m.getInt(base + MailboxLayout.RSP_SEQ_OFFSET));
        assertEquals(MailboxLayout.STATE_RESPONSE, m.getIntAcquire(base + MailboxLayout.STATE_OFFSET));
        assertEquals(0, handled.get());
        assertFalse(s.serveOnce(), "RESPONSE is not a request");
        m.setInt(base + MailboxLayout.SEQ_OFFSET, 6);   // resynchronised: 6 follows 5
        m.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_REQUEST);
        assertTrue(s.serveOnce());
        assertEquals(7017, m.getLong(base + MailboxLayout.RESULT_OFFSET));
        assertEquals(1, handled.get());
        m.setIntRelease(base + MailboxLayout.STATE_OFFSET, 12345);   // garbage state: ignored
        assertFalse(s.serveOnce());
    }

    @Test
    void shouldReturnEnodevToAWaitingGuestWhenTheHypervisorGoes() throws Exception {
        MailboxServer s = server(0, echo);   // never run: the guest waits
        MailboxHypercalls guest = new MailboxHypercalls(page.memory(), 2, MailboxHypercalls::defaultIdle);
        Thread marker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.markHypervisorGone();
        });
        assertEquals(XenErrno.ENODEV.negated(), guest.hypercall(HypercallContext.of(1, 0, false, guestMem), 17, 0, 0, 0, 0, 0));
        marker.join();
        assertTrue(guest.hypervisorGone());
        assertEquals(XenErrno.ENODEV.negated(), guest.hypercall(HypercallContext.of(1, 0, false, guestMem), 17, 0, 0, 0, 0, 0));
    }

    @Test
    void shouldDeliverAnUpcallToAWaitingVcpuOnce() throws Exception {
        MailboxServer s1 = server(1, echo);
        MailboxHypercalls guest = new MailboxHypercalls(page.memory(), 2, MailboxHypercalls::defaultIdle);
        assertFalse(guest.awaitUpcall(1, 1_000_000), "nothing pending: times out");
        Thread kicker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s1.raiseUpcall();
        });
        assertTrue(guest.awaitUpcall(1, 10_000_000_000L));
        kicker.join();
        assertFalse(guest.pollUpcall(1), "taken once");
        assertFalse(guest.pollUpcall(0), "another vCPU's word is separate");
    }

    /**
     * A hostile guest thread scribbles random values (seed printed) over every field of its mailbox, the state
     * word included, while the server runs: the server never throws, never hands the handler an op above u32,
     * keeps serving, and the other vCPU's mailbox keeps working.
     */
    @Test
    void shouldSurviveAGuestScribblingOverItsMailbox() throws Exception {
        long seed = System.nanoTime();
        AtomicLong bigOps = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        HypercallHandler checking = (caller, op, a1, a2, a3, a4, a5) -> {
            calls.incrementAndGet();
            if (op < 0 || op > 0xffff_ffffL) {
                bigOps.incrementAndGet();
            }
            return op & 0xff;
        };
        MailboxServer s0 = server(0, checking);
        MailboxServer s1 = server(1, checking);
        Thread t0 = Thread.ofPlatform().start(s0);
        Thread t1 = Thread.ofPlatform().start(s1);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        long base = MailboxLayout.mailboxOffset(0);
        GuestMemory m = page.memory();
        long writes = 0;
        long start = System.nanoTime();
        // scribble for 0.5 s, and on a loaded machine (the server thread rarely scheduled) go on until a few
        // scribbled requests reached the handler, for at most 30 s: what is checked does not depend on timing
        while (System.nanoTime() - start < 500_000_000L
                || (calls.get() < 3 && System.nanoTime() - start < 30_000_000_000L)) {
            long off = rnd.nextLong(MailboxLayout.SIZE / 4) * 4;
            int v = switch (rnd.nextInt(4)) {
                case 0 -> MailboxLayout.STATE_REQUEST;
                case 1 -> rnd.nextInt();
                case 2 -> m.getInt(base + MailboxLayout.RSP_SEQ_OFFSET) + 1;
                default -> -1;
            };
            m.setIntRelease(base + off, v);
            if (rnd.nextInt(4) == 0) {
                // a plausible request: the right seq, and an op with random (possibly high) bits
                m.setLong(base + MailboxLayout.OP_OFFSET, rnd.nextBoolean() ? rnd.nextLong() : rnd.nextLong(64));
                m.setInt(base + MailboxLayout.SEQ_OFFSET, m.getInt(base + MailboxLayout.RSP_SEQ_OFFSET) + 1);
            }
            if (rnd.nextInt(8) == 0) {
                m.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_REQUEST);
            }
            writes++;
        }
        MailboxHypercalls guest = new MailboxHypercalls(page.memory(), 2, MailboxHypercalls::defaultIdle);
        assertEquals(17, guest.hypercall(HypercallContext.of(1, 1, false, guestMem), 17, 0, 0, 0, 0, 0));
        s0.stop();
        s1.stop();
        t0.join();
        t1.join();
        System.out.printf("[pv-process] mailbox scribbler (seed %d): %d hostile writes, %d requests answered "
                + "(%d rejected: bad seq/op, %d reached the handler), %d escapes%n", seed, writes, s0.served(),
                s0.rejected(), calls.get(), s0.escapes());
        assertEquals(0, bigOps.get(), "seed " + seed);
        assertEquals(0, s0.escapes(), "seed " + seed);
        assertTrue(s0.served() > 0, "seed " + seed);
        assertTrue(calls.get() > 1, "some scribbled requests were well-formed enough to be served; seed " + seed);
    }

    @Test
    void shouldRefuseAnUnformattedPage() {
        try (SealedGuestMemory blank = SealedGuestMemory.create("blank", 1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new MailboxHypercalls(blank.memory(), 1, MailboxHypercalls::defaultIdle));
        }
        assertThrows(IllegalArgumentException.class,
                () -> new MailboxHypercalls(page.memory(), 3, MailboxHypercalls::defaultIdle), "page has 2 vCPUs");
    }
}
