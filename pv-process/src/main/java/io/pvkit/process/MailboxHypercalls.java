package io.pvkit.process;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.spi.IdleStrategy;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The guest side of the mailbox: a {@link HypercallHandler} that a guest in its own process calls exactly as
 * it would call an in-process hypervisor. Each call goes through the mailbox of {@code caller.vcpu()}
 * ({@link MailboxLayout}): write op, arguments and the next sequence number, store-release {@code REQUEST},
 * wait for {@code RESPONSE} ({@value #SPINS} spins, then the vCPU's {@link IdleStrategy}), read the result,
 * store {@code IDLE}.
 *
 * <p>The {@code caller} context is used only for its vCPU index: the hypervisor serves the call with the
 * context it built for that vCPU (so pointer arguments are guest-physical addresses of the shared guest
 * memory, as for an in-process guest). Results: whatever the hypervisor answered; {@code -ENODEV} when the
 * hypervisor is gone ({@code GONE_HYPERVISOR}, set by the hypervisor or by {@link GuestConnection} when the
 * session socket closes); {@code -EINVAL} for a vCPU without a mailbox; {@code -EIO} when the response's
 * {@code rsp_seq} does not match the request.
 *
 * <p>Threading: one thread per vCPU at a time (each vCPU's sequence counter and idle strategy are private to
 * it); different vCPUs may call concurrently.
 */
public final class MailboxHypercalls implements HypercallHandler {
    /** Spins before the idle strategy takes over. */
    public static final int SPINS = 1000;

    private final MemoryAccess page;
    private final int vcpus;
    private final int[] seqs;
    private final IdleStrategy[] idles;

    /**
     * Uses the mailboxes of a mapped mailbox page.
     *
     * @param page the mailbox page the hypervisor formatted
     * @param vcpus the guest's vCPU count (from the welcome)
     * @param idle makes one idle strategy per vCPU
     * @throws IllegalArgumentException when the page's magic or version is wrong or it has fewer vCPUs
     */
    public MailboxHypercalls(MemoryAccess page, int vcpus, Supplier<IdleStrategy> idle) {
        this.page = Objects.requireNonNull(page, "page");
        this.vcpus = MailboxLayout.checkVcpus(vcpus);
        // ORDERING: acquire; pairs with the release store of the magic in MailboxServer.format
        int magic = page.getIntAcquire(MailboxLayout.MAGIC_OFFSET);
        if (magic != MailboxLayout.MAGIC || page.getInt(MailboxLayout.VERSION_OFFSET) != MailboxLayout.VERSION
                || page.getInt(MailboxLayout.NR_VCPUS_OFFSET) < vcpus) {
            throw new IllegalArgumentException("not a pvkit mailbox page for " + vcpus + " vCPUs");
        }
        this.seqs = new int[vcpus];
        this.idles = new IdleStrategy[vcpus];
        for (int v = 0; v < vcpus; v++) {
            seqs[v] = page.getInt(MailboxLayout.mailboxOffset(v) + MailboxLayout.RSP_SEQ_OFFSET);
            idles[v] = Objects.requireNonNull(idle.get(), "idle strategy");
        }
    }

    /**
     * The default idle strategy: 100 more spins, 10 yields, then parks from 1 µs doubling up to 1 ms.
     *
     * @return a new strategy
     */
    public static IdleStrategy defaultIdle() {
        return IdleStrategy.backoff(100, 10, 1_000, 1_000_000);
    }

    @Override
    public long hypercall(HypercallContext caller, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
        int vcpu = caller.vcpu();
        if (vcpu < 0 || vcpu >= vcpus) {
            return XenErrno.EINVAL.negated();
        }
        long base = MailboxLayout.mailboxOffset(vcpu);
        if (hypervisorGone(base)) {
            return XenErrno.ENODEV.negated();
        }
        int seq = seqs[vcpu] + 1;
        seqs[vcpu] = seq;
        page.setLong(base + MailboxLayout.OP_OFFSET, op);
        page.setLong(base + MailboxLayout.ARGS_OFFSET, arg1);
        page.setLong(base + MailboxLayout.ARGS_OFFSET + 8, arg2);
        page.setLong(base + MailboxLayout.ARGS_OFFSET + 16, arg3);
        page.setLong(base + MailboxLayout.ARGS_OFFSET + 24, arg4);
        page.setLong(base + MailboxLayout.ARGS_OFFSET + 32, arg5);
        page.setInt(base + MailboxLayout.SEQ_OFFSET, seq);
        // ORDERING: release; op, args and seq are visible before REQUEST (pairs with the acquire load of state
        // in MailboxServer.serveOnce)
        page.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_REQUEST);
        IdleStrategy idle = idles[vcpu];
        idle.reset();
        int spins = 0;
        // ORDERING: acquire; pairs with the hypervisor's release store of RESPONSE, so result and rsp_seq
        // read after it are the hypervisor's answer
        while (page.getIntAcquire(base + MailboxLayout.STATE_OFFSET) != MailboxLayout.STATE_RESPONSE) {
            if (hypervisorGone(base)) {
                return XenErrno.ENODEV.negated();
            }
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                idle.idle();
            }
        }
        long result = page.getLong(base + MailboxLayout.RESULT_OFFSET);
        int rspSeq = page.getInt(base + MailboxLayout.RSP_SEQ_OFFSET);
        // ORDERING: release; our reads of result/rsp_seq happen before the mailbox is reused
        page.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_IDLE);
        return rspSeq == seq ? result : XenErrno.EIO.negated();
    }

    private boolean hypervisorGone(long base) {
        // ORDERING: volatile read; pairs with the read-modify-write that sets GONE_HYPERVISOR
        return (page.getIntVolatile(base + MailboxLayout.GONE_OFFSET) & MailboxLayout.GONE_HYPERVISOR) != 0;
    }

    /**
     * Takes a pending upcall of {@code vcpu}, if any, without waiting.
     *
     * @param vcpu the vCPU index
     * @return true when an upcall was pending (it is now cleared)
     */
    public boolean pollUpcall(int vcpu) {
        long base = MailboxLayout.mailboxOffset(vcpu);
        // ORDERING: a volatile swap (full barrier); pairs with MailboxServer.raiseUpcall's release store, so the
        // vcpu_info the hypervisor updated before is visible after this
        return page.getAndSetInt(base + MailboxLayout.UPCALL_PENDING_OFFSET, 0) != 0;
    }

    /**
     * Waits until the hypervisor raises an upcall for {@code vcpu}, the hypervisor is gone, or the timeout
     * passes ({@value #SPINS} spins, then the vCPU's idle strategy). Call from the vCPU's own thread.
     *
     * @param vcpu the vCPU index
     * @param timeoutNanos the longest wait, 0 for a single check
     * @return true when an upcall was pending (it is now cleared); false on timeout or hypervisor gone
     */
    public boolean awaitUpcall(int vcpu, long timeoutNanos) {
        long base = MailboxLayout.mailboxOffset(vcpu);
        if (vcpu >= vcpus) {
            throw new IllegalArgumentException("no mailbox for vCPU " + vcpu);
        }
        IdleStrategy idle = idles[vcpu];
        idle.reset();
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while (true) {
            if (pollUpcall(vcpu)) {
                return true;
            }
            if (hypervisorGone(base) || System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                idle.idle();
            }
        }
    }

    /**
     * Whether the hypervisor ended the session (any vCPU's mailbox has {@code GONE_HYPERVISOR}).
     *
     * @return true when it is gone
     */
    public boolean hypervisorGone() {
        return hypervisorGone(MailboxLayout.mailboxOffset(0));
    }

    /** Sets {@code GONE_HYPERVISOR} in every mailbox (used when the session socket reaches end of stream). */
    public void markHypervisorGone() {
        // ORDERING: volatile read-modify-write; pairs with the volatile reads of gone in the wait loops
        for (int v = 0; v < vcpus; v++) {
            page.getAndBitwiseOrInt(MailboxLayout.mailboxOffset(v) + MailboxLayout.GONE_OFFSET,
                    MailboxLayout.GONE_HYPERVISOR);
        }
    }

    /** Sets {@code GONE_GUEST} in every mailbox: an orderly goodbye before closing the session. */
    public void markGuestGone() {
        // ORDERING: volatile read-modify-write; informational for the hypervisor (it relies on the socket)
        for (int v = 0; v < vcpus; v++) {
            page.getAndBitwiseOrInt(MailboxLayout.mailboxOffset(v) + MailboxLayout.GONE_OFFSET,
                    MailboxLayout.GONE_GUEST);
        }
    }

    /**
     * The vCPU count.
     *
     * @return the number of mailboxes used
     */
    public int vcpus() {
        return vcpus;
    }
}
