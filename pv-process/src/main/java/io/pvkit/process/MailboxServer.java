package io.pvkit.process;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.abi.spi.IdleStrategy;

import java.util.Objects;

/**
 * The hypervisor side of one vCPU's mailbox ({@link MailboxLayout}): waits for the guest's request, calls
 * a {@link HypercallHandler} with that vCPU's {@link HypercallContext}, and publishes the result.
 *
 * <p>Algorithm ({@link #serveOnce()}): load-acquire {@code state}; unless it is {@code REQUEST}, nothing to
 * do. Read {@code seq}, {@code op} and the five arguments once each into locals (UNTRUSTED: the guest may
 * rewrite them at any moment; only the locals are used). A {@code seq} other than the previous one plus 1
 * is answered {@code -EINVAL} and an {@code op} above {@code 0xffffffff} {@code -ENOSYS}, both without
 * calling the handler; an exception escaping the handler (which breaks its contract) is answered
 * {@code -EINVAL} and counted in {@link #escapes()}. Then write {@code result}, {@code rsp_seq} and
 * {@code served}, and store-release {@code state = RESPONSE}.
 *
 * <p>Waiting ({@link #run()}): {@value #SPINS} spins ({@link Thread#onSpinWait()}), then the
 * {@link IdleStrategy}, reset after each served request. {@link #stop()} ends {@link #run()} within one
 * idle period. A handler that blocks (for example {@code SCHEDOP_block}) blocks this thread; the
 * hypervisor wakes it the way it wakes an in-process vCPU thread, so the hypervisor should treat the
 * thread running {@link #run()} as the vCPU's thread.
 *
 * <p>Threading: {@link #run()}/{@link #serveOnce()} on one thread; {@link #raiseUpcall()},
 * {@link #markHypervisorGone()}, {@link #stop()} and the counters from any thread.
 */
public final class MailboxServer implements Runnable {
    /** Spins before the idle strategy takes over. */
    public static final int SPINS = 1000;

    private final MemoryAccess page;
    private final long base;
    private final HypercallHandler handler;
    private final HypercallContext caller;
    private final IdleStrategy idle;
    private int expectedSeq;
    private volatile boolean stopped;
    private volatile long served;
    private volatile long rejected;
    private volatile long escapes;

    /**
     * Serves {@code caller.vcpu()}'s mailbox in {@code page}.
     *
     * @param page the mailbox page (formatted with {@link #format(MemoryAccess, int, int)})
     * @param handler the hypervisor's hypercall handler
     * @param caller the context passed to the handler: the domain, this vCPU, its memory
     * @param idle how to wait once the spins are done (one per server)
     * @throws IllegalArgumentException when the vCPU index has no mailbox
     */
    public MailboxServer(MemoryAccess page, HypercallHandler handler, HypercallContext caller, IdleStrategy idle) {
        this.page = Objects.requireNonNull(page, "page");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.caller = Objects.requireNonNull(caller, "caller");
        this.idle = Objects.requireNonNull(idle, "idle");
        this.base = MailboxLayout.mailboxOffset(caller.vcpu());
        if (!page.contains(base, MailboxLayout.SIZE)) {
            throw new IllegalArgumentException("mailbox page too small");
        }
        // the guest's first request is the mailbox's rsp_seq + 1 (0 + 1 on a freshly formatted page)
        this.expectedSeq = page.getInt(base + MailboxLayout.RSP_SEQ_OFFSET) + 1;
    }

    /**
     * Formats a mailbox page: zeroes it, then writes the header (magic, version, domid, vCPU count). Every
     * mailbox starts {@code IDLE} with {@code seq = rsp_seq = 0}. Call before the guest maps the page.
     *
     * @param page the page, at least {@value MailboxLayout#PAGE_BYTES} bytes
     * @param domid the guest's domain id
     * @param vcpus the number of vCPUs, 1 to {@value MailboxLayout#MAX_VCPUS}
     */
    public static void format(MemoryAccess page, int domid, int vcpus) {
        MailboxLayout.checkVcpus(vcpus);
        page.fill(0, MailboxLayout.PAGE_BYTES, (byte) 0);
        page.setInt(MailboxLayout.VERSION_OFFSET, MailboxLayout.VERSION);
        page.setInt(MailboxLayout.DOMID_OFFSET, domid);
        page.setInt(MailboxLayout.NR_VCPUS_OFFSET, vcpus);
        // ORDERING: the header and the zeroed mailboxes are visible before the magic (release)
        page.setIntRelease(MailboxLayout.MAGIC_OFFSET, MailboxLayout.MAGIC);
    }

    /**
     * Serves the pending request, if there is one.
     *
     * @return true when a request was answered
     */
    public boolean serveOnce() {
        // ORDERING: acquire; pairs with the guest's release store of REQUEST, so seq/op/args written before
        // it are visible to the reads below
        int state = page.getIntAcquire(base + MailboxLayout.STATE_OFFSET);
        if (state != MailboxLayout.STATE_REQUEST) {
            return false;
        }
        // UNTRUSTED: every field read exactly once into a final local; only the locals are used below
        final int seq = page.getInt(base + MailboxLayout.SEQ_OFFSET);
        final long op = page.getLong(base + MailboxLayout.OP_OFFSET);
        final long a1 = page.getLong(base + MailboxLayout.ARGS_OFFSET);
        final long a2 = page.getLong(base + MailboxLayout.ARGS_OFFSET + 8);
        final long a3 = page.getLong(base + MailboxLayout.ARGS_OFFSET + 16);
        final long a4 = page.getLong(base + MailboxLayout.ARGS_OFFSET + 24);
        final long a5 = page.getLong(base + MailboxLayout.ARGS_OFFSET + 32);
        long result;
        if (seq != expectedSeq) {
            result = XenErrno.EINVAL.negated();
            rejected = rejected + 1;
        } else if (op < 0 || op > 0xffff_ffffL) {
            result = XenErrno.ENOSYS.negated();
            rejected = rejected + 1;
        } else {
            try {
                result = handler.hypercall(caller, op, a1, a2, a3, a4, a5);
            } catch (RuntimeException e) {
                result = XenErrno.EINVAL.negated();
                escapes = escapes + 1;
            }
        }
        expectedSeq = seq + 1;
        page.setLong(base + MailboxLayout.RESULT_OFFSET, result);
        page.setInt(base + MailboxLayout.RSP_SEQ_OFFSET, seq);
        long n = served + 1;
        served = n;
        page.setLong(base + MailboxLayout.SERVED_OFFSET, n);
        // ORDERING: release; result, rsp_seq and served are visible before RESPONSE (pairs with the guest's
        // acquire load of state in MailboxHypercalls)
        page.setIntRelease(base + MailboxLayout.STATE_OFFSET, MailboxLayout.STATE_RESPONSE);
        return true;
    }

    /**
     * Serves requests until {@link #stop()} or until the mailbox page is closed (an access then throws
     * {@link IllegalStateException}, which ends the loop).
     */
    @Override
    public void run() {
        int spins = 0;
        try {
            while (!stopped) {
                if (serveOnce()) {
                    spins = 0;
                    idle.reset();
                } else if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    idle.idle();
                }
            }
        } catch (IllegalStateException closed) {
            // the session closed the page under us: nothing left to serve
        }
    }

    /** Makes {@link #run()} return after the request in progress, if any. */
    public void stop() {
        stopped = true;
    }

    /**
     * Tells the guest's vCPU that an upcall is pending (it watches {@code upcall_pending}). Usable as a
     * pv-events {@code VcpuKicker} for this vCPU.
     */
    public void raiseUpcall() {
        // ORDERING: release; whatever the hypervisor wrote before (vcpu_info's evtchn_upcall_pending) is
        // visible to a guest that sees upcall_pending = 1 (it swaps it with 0, a full barrier)
        page.setIntRelease(base + MailboxLayout.UPCALL_PENDING_OFFSET, 1);
    }

    /** Sets {@code GONE_HYPERVISOR} in the mailbox: a guest waiting on it returns {@code -ENODEV}. */
    public void markHypervisorGone() {
        // ORDERING: volatile read-modify-write; pairs with the guest's volatile reads of gone while it waits
        page.getAndBitwiseOrInt(base + MailboxLayout.GONE_OFFSET, MailboxLayout.GONE_HYPERVISOR);
    }

    /**
     * Requests answered (including rejected ones).
     *
     * @return the count
     */
    public long served() {
        return served;
    }

    /**
     * Requests answered without calling the handler (bad sequence number or op).
     *
     * @return the count
     */
    public long rejected() {
        return rejected;
    }

    /**
     * Exceptions that escaped the handler (each answered {@code -EINVAL}); 0 for a correct handler.
     *
     * @return the count
     */
    public long escapes() {
        return escapes;
    }

    /**
     * The context this server passes to the handler.
     *
     * @return the caller context
     */
    public HypercallContext caller() {
        return caller;
    }
}
