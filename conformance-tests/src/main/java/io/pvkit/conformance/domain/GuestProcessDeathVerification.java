package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules DOM-03 and DOM-04: a guest that runs in its own process and vanishes while its hypercall mailbox shows a
 * hypercall in progress. Extend it and supply {@link #createHost()} ({@link GuestProcessHostUnderTest}: the socket
 * where guests join, the death bound you promise, and two observations). The kit starts its own guest processes
 * (child JVMs running {@code io.pvkit.conformance.internal.HostileGuestProcess}, which uses only pv-process's
 * documented ABI), kills them with SIGKILL or makes them close their session socket, and measures how long your
 * implementation takes to notice. Each test prints its figures.
 */
public abstract class GuestProcessDeathVerification {
    /** The most a stated bound may be. */
    private static final Duration MAX_BOUND = Duration.ofSeconds(10);

    private GuestProcessHostUnderTest host;
    private Duration bound;
    private int guests;

    /** For subclasses. */
    protected GuestProcessDeathVerification() {
    }

    /**
     * A fresh host for one test method (closed after it).
     *
     * @return the implementation under test, already listening on its socket
     * @throws Exception when it cannot start
     */
    protected abstract GuestProcessHostUnderTest createHost() throws Exception;

    /**
     * The memory the kit's guest processes ask for, in frames.
     *
     * @return 512 (2 MiB) by default
     */
    protected long guestFrames() {
        return 512;
    }

    @BeforeEach
    final void startHost() throws Exception {
        host = createHost();
        bound = host.guestDeathBound();
        assertTrue(bound.compareTo(MAX_BOUND) <= 0 && !bound.isNegative(), "the stated guest death bound " + bound
                + " must lie in [0, " + MAX_BOUND + "]");
    }

    @AfterEach
    final void stopHost() {
        if (host != null) {
            host.close();
        }
    }

    private HostileGuest join() {
        HostileGuest g = HostileGuest.join(host.guestSocket(), guestFrames(), "kit-guest-" + (++guests));
        assertTrue(host.domainExists(g.domid), "domain " + g.domid + " of a guest that joined does not exist");
        String r = g.ask("call");
        if (!r.startsWith("result ") || r.contains("wrong-seq") || Long.parseLong(r.substring(7).trim()) < 0) {
            g.kill();
            fail("the kit's guest could not make a xen_version hypercall through its mailbox: " + r + g.transcript());
        }
        return g;
    }

    /**
     * Waits (bounded by the stated bound from {@code since}, plus 2 s of slack for a loaded machine to schedule the
     * implementation's threads) until the domain is gone and its session released; fails naming what is left.
     *
     * @return the time it took, in nanoseconds
     */
    private long awaitGone(String rule, HostileGuest g, long since, String how) {
        long deadline = since + bound.toNanos() + 2_000_000_000L;
        boolean exists = true;
        boolean released = false;
        while (System.nanoTime() < deadline) {
            exists = host.domainExists(g.domid);
            released = host.sessionReleased(g.domid);
            if (!exists && released) {
                long took = System.nanoTime() - since;
                if (took > bound.toNanos()) {
                    fail(rule + ": after the guest " + how + ", its domain " + g.domid + " was destroyed only after "
                            + took / 1_000_000 + " ms, beyond the stated bound of " + bound.toMillis() + " ms" + g.transcript());
                }
                return took;
            }
            pause();
        }
        fail(rule + ": " + (bound.toMillis() + 2000) + " ms after the guest " + how + ", "
                + (exists ? "its domain " + g.domid + " still exists" : "its domain is gone")
                + (released ? "" : (exists ? " and" : " but") + " its session is not released (a thread still serves "
                + "it: a mailbox server left blocked in the hypercall handler?)") + g.transcript());
        return -1;
    }

    /**
     * <a href="../../../../../RULES.md#dom-03">DOM-03</a>: three guest processes. The first makes a hypercall, then
     * publishes {@code SCHEDOP_block} with no event pending (the hypercall blocks in the hypervisor) and is killed
     * (SIGKILL); the second publishes {@code xen_version} and is killed before it collects the answer. After each
     * death the domain must be gone and the session released within the stated bound; then the third guest joins
     * and its hypercalls are served.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a guest's death is noticed by end of stream on its session socket (the kernel closes it whatever the
     *       process was doing), not by the mailbox, which a dead process leaves as it was;</li>
     *   <li>on that notice the domain is destroyed and every handler blocked on the guest's behalf
     *       ({@code SCHEDOP_block}, {@code SCHEDOP_poll}) is woken, so its mailbox server thread returns;</li>
     *   <li>nothing the session held (threads, listener) is shared with other sessions in a way one death can
     *       stop.</li>
     * </ul>
     */
    @Test
    public void required_DOM_03_guestKilledMidHypercallIsDestroyedWithinTheBound() {
        StringBuilder figures = new StringBuilder();
        HostileGuest blocked = join();
        String state = blocked.ask("block");
        long died = blocked.kill();
        long took = awaitGone("DOM-03", blocked, died, "was killed while blocked in SCHEDOP_block (" + state + ")");
        figures.append("killed in SCHEDOP_block (mailbox ").append(state).append("): destroyed after ")
                .append(took / 1_000_000).append(" ms; ");
        HostileGuest published = join();
        String p = published.ask("publish");
        died = published.kill();
        took = awaitGone("DOM-03", published, died, "was killed with a hypercall published (" + p + ")");
        figures.append("killed with xen_version published: destroyed after ").append(took / 1_000_000).append(" ms; ");
        try (HostileGuest later = join()) {
            for (int i = 0; i < 3; i++) {
                String r = later.ask("call");
                assertTrue(r.startsWith("result ") && !r.contains("wrong-seq") && Long.parseLong(r.substring(7).trim()) >= 0,
                        "DOM-03: a guest that joined after two guests died is not served: " + r + later.transcript());
            }
        }
        System.out.println("[kit] DOM-03 " + figures + "bound " + bound.toMillis() + " ms");
    }

    /**
     * <a href="../../../../../RULES.md#dom-04">DOM-04</a>: a guest process publishes {@code SCHEDOP_block} (in
     * progress), closes its session socket and keeps running. Its domain must be gone and its session released
     * within the stated bound; then the process publishes {@code xen_version} in its mailbox (it still maps the
     * page) and, a second later, that request must not have been served: still unanswered, or answered with a
     * negative errno.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>end of stream on the session socket ends the session even when the process lives on;</li>
     *   <li>once the session ends its mailbox servers stop for good: a request published afterwards must never run
     *       as a hypercall (it would act for a domain that no longer exists).</li>
     * </ul>
     */
    @Test
    public void required_DOM_04_guestThatClosesItsSocketIsDestroyedAndNeverServedAgain() {
        try (HostileGuest g = join()) {
            String state = g.ask("block");
            g.ask("closesocket");
            long closed = System.nanoTime();
            long took = awaitGone("DOM-04", g, closed, "closed its session socket while in SCHEDOP_block (" + state + ")");
            String p = g.ask("publish");
            int seq = Integer.parseInt(p.substring("published ".length()).trim());
            String w = g.ask("watch 1000");
            String[] f = w.split(" ");
            int mailboxState = Integer.parseInt(f[1]);
            int rspSeq = Integer.parseInt(f[3]);
            long result = Long.parseLong(f[5]);
            if (mailboxState == 2 && rspSeq == seq && result >= 0) {
                fail("DOM-04: after the session ended, a hypercall the guest published was served with result " + result
                        + g.transcript());
            }
            System.out.println("[kit] DOM-04 socket closed in SCHEDOP_block: destroyed after " + took / 1_000_000
                    + " ms (bound " + bound.toMillis() + " ms); a request published afterwards: " + w);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
