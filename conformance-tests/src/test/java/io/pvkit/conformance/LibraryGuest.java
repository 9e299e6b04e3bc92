package io.pvkit.conformance;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.grant.GrantTableHypercall;

/**
 * Test support for the self-tests' small hypervisors built straight on the libraries: an unprivileged guest with
 * one vCPU whose {@code grant_table_op} goes to pv-grant (continued to completion, see
 * {@link #grantTableOpToCompletion}) and whose {@code event_channel_op} goes to pv-events; any other op is
 * {@code -ENOSYS}.
 */
public final class LibraryGuest implements DomainUnderTest {
    private final int domid;
    private final GuestMemory memory;
    private final GrantTableHypercall grants;
    private final EventChannelHypercalls events;

    /**
     * A guest.
     *
     * @param domid its id
     * @param memory its memory
     * @param grants where its grant_table_op goes
     * @param events where its event_channel_op goes
     */
    public LibraryGuest(int domid, GuestMemory memory, GrantTableHypercall grants, EventChannelHypercalls events) {
        this.domid = domid;
        this.memory = memory;
        this.grants = grants;
        this.events = events;
    }

    /**
     * {@code grant_table_op} continued as Xen's {@code hypercall_create_continuation} does until it is done, so
     * that a guest never sees pv-grant's positive "elements done, continue" result.
     *
     * @param grants pv-grant's hypercall handler
     * @param ctx the caller
     * @param cmd the GNTTABOP number
     * @param uops the argument array's guest address
     * @param count the number of elements
     * @return 0 or a negated errno, as the last step answered
     */
    public static long grantTableOpToCompletion(GrantTableHypercall grants, HypercallContext ctx, long cmd, long uops,
                                                long count) {
        long rc;
        while ((rc = grants.grantTableOp(ctx, cmd, uops, count)) > 0) {
            // a positive result means a known op (pv-grant answers -ENOSYS for an unknown one)
            uops += rc * GrantTableOp.ofOrNull(cmd).argLayout().byteSize();
            count -= rc;
        }
        return rc;
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public boolean privileged() {
        return false;
    }

    @Override
    public int vcpus() {
        return 1;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long hypercall(int vcpu, long op, long a1, long a2, long a3, long a4, long a5) {
        HypercallContext c = HypercallContext.of(domid, vcpu, false, memory);
        if (op == HypercallOp.GRANT_TABLE_OP.number()) {
            return grantTableOpToCompletion(grants, c, a1, a2, a3);
        }
        if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
            return events.hypercall(c, op, a1, a2, a3, a4, a5);
        }
        return XenErrno.ENOSYS.negated();
    }
}
