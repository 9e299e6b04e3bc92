package io.pvkit.hypervisor.internal;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.MulticallEntryLayout;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.spi.HypercallHandler;
import io.pvkit.events.EventChannelHypercalls;
import io.pvkit.grant.GrantTableHypercall;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The hypervisor's hypercall entry ({@code HypercallHandler}): identifies the calling domain, refuses
 * callers that have shut down ({@code -ESRCH}) or forged contexts ({@code -EPERM}), counts, routes each op
 * to its handler and guarantees that no exception reaches the guest.
 *
 * <p>Routing: {@code event_channel_op} → pv-events' {@link EventChannelHypercalls}; {@code grant_table_op}
 * → pv-grant's {@link GrantTableHypercall}; {@code sched_op} → {@link SchedOps}; {@code memory_op},
 * {@code hvm_op}, {@code vcpu_op} → {@link PlatformOps}; {@code console_io} and {@code xen_version} →
 * {@link InfoOps}; {@code multicall} here; {@code domctl}, {@code sysctl} and {@code platform_op} →
 * {@code -EPERM} for an unprivileged caller and {@code -ENOSYS} for a privileged one (not provided);
 * everything else {@code -ENOSYS}.
 *
 * <p>Every hypercall can be recorded as the JFR event {@code io.pvkit.Hypercall} ({@link HypercallEvent}, off
 * by default).
 *
 * <p>The edge: a bad guest pointer ({@link GuestMemoryFault}) is {@code -EFAULT}; memory closed under a
 * dying domain is {@code -ESRCH}; any other exception is a hypervisor bug, logged, counted in the domain's
 * faults and answered {@code -EINVAL}.
 */
public final class Dispatcher implements HypercallHandler {
    private static final System.Logger LOG = System.getLogger("io.pvkit.hypervisor.dispatch");
    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EPERM = XenErrno.EPERM.negated();
    private static final long ESRCH = XenErrno.ESRCH.negated();
    private static final long EFAULT = XenErrno.EFAULT.negated();
    private static final long EINVAL = XenErrno.EINVAL.negated();

    private final DomainTable domains;
    private final LibraryDomains library;
    private final EventChannelHypercalls events;
    private final GrantTableHypercall grants;
    private final SchedOps sched;
    private final PlatformOps platformOps;
    private final InfoOps info;

    /**
     * Creates the dispatcher.
     *
     * @param domains the domain table
     * @param library the library registrations (for statistics)
     * @param events the event-channel hypercall adapter
     * @param grants the grant-table hypercall adapter
     * @param platform the toolstack side
     */
    public Dispatcher(DomainTable domains, LibraryDomains library, EventChannelHypercalls events,
                      GrantTableHypercall grants, Platform platform) {
        this.domains = Objects.requireNonNull(domains, "domains");
        this.library = Objects.requireNonNull(library, "library");
        this.events = Objects.requireNonNull(events, "events");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.sched = new SchedOps(domains, library, platform);
        this.platformOps = new PlatformOps(domains, library, platform);
        this.info = new InfoOps();
    }

    @Override
    public long hypercall(HypercallContext caller, long op, long arg1, long arg2, long arg3, long arg4, long arg5) {
        if (caller == null) {
            return EPERM;
        }
        DomainRecord d = domains.get(caller.domid());
        if (d == null) {
            return ESRCH;
        }
        // the caller's identity is the hypervisor's record: a context with another domain's memory, another
        // privilege or a vCPU the domain does not have is forged
        if (caller.memory() != d.memory || caller.privileged() != d.privileged || caller.vcpu() >= d.vcpus) {
            return EPERM;
        }
        if (!d.enter()) {
            return ESRCH;
        }
        try {
            d.hypercalls.increment();
            if (!HypercallEvent.COMPILED_IN) {
                return route(d, caller, op, arg1, arg2, arg3, arg4, arg5, true);
            }
            HypercallEvent event = new HypercallEvent();
            event.begin();
            long rc = route(d, caller, op, arg1, arg2, arg3, arg4, arg5, true);
            if (event.shouldCommit()) {
                event.domid = d.domid;
                event.vcpu = caller.vcpu();
                event.op = op;
                event.arg1 = arg1;
                event.result = rc;
                event.commit();
            }
            return rc;
        } finally {
            d.exit();
        }
    }

    /**
     * {@code grant_table_op} with Xen's continuation: pv-grant performs a bounded batch per call and
     * answers a positive count when more remain; the dispatcher continues with the rest (Xen re-executes
     * the guest's hypercall), checking between steps that the domain still runs, so that a destroy ends
     * even a 2^31-element batch and other vCPUs get the tables' lock between steps.
     */
    private long grantTableOp(DomainRecord d, HypercallContext c, long cmd, long uops, long count) {
        long rc;
        while ((rc = grants.grantTableOp(c, cmd, uops, count)) > 0) {
            if (d.phase() != DomainRecord.RUNNING) {
                return ESRCH;
            }
            // a positive result means a known op (pv-grant answers -ENOSYS for an unknown one)
            uops += rc * io.pvkit.abi.grant.GrantTableOp.ofOrNull(cmd).argLayout().byteSize();
            count -= rc;
        }
        return rc;
    }

    private long route(DomainRecord d, HypercallContext c, long op, long a1, long a2, long a3, long a4, long a5,
                       boolean allowMulticall) {
        try {
            HypercallOp known = HypercallOp.of(op).orElse(null);
            if (known == null) {
                return ENOSYS;
            }
            return switch (known) {
                case EVENT_CHANNEL_OP -> eventChannelOp(d, c, a1, a2);
                case GRANT_TABLE_OP -> grantTableOp(d, c, a1, a2, a3);
                case SCHED_OP -> sched.schedOp(d, c, a1, a2);
                case MEMORY_OP -> platformOps.memoryOp(d, c, a1, a2);
                case HVM_OP -> platformOps.hvmOp(d, c, a1, a2);
                case VCPU_OP -> platformOps.vcpuOp(d, c, a1, a2);
                case CONSOLE_IO -> info.consoleIo(d, c, a1, a2, a3);
                case XEN_VERSION -> info.xenVersion(c, a1, a2);
                case MULTICALL -> allowMulticall ? multicall(d, c, a1, a2) : EINVAL;
                case DOMCTL, SYSCTL, PLATFORM_OP -> d.privileged ? ENOSYS : EPERM;
                default -> ENOSYS;
            };
        } catch (GuestMemoryFault fault) {
            return EFAULT;
        } catch (IllegalStateException closed) {
            if (d.phase() >= DomainRecord.DYING) {
                return ESRCH; // the domain's memory was closed under a hypercall of a dying domain
            }
            return bug(d, op, closed);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            return bug(d, op, e);
        }
    }

    private long bug(DomainRecord d, long op, Throwable e) {
        d.faults.increment();
        LOG.log(System.Logger.Level.WARNING, "hypercall " + op + " of domain " + d.domid + " failed inside the hypervisor", e);
        return EINVAL;
    }

    private long eventChannelOp(DomainRecord d, HypercallContext c, long cmd, long arg) {
        long rc = events.eventChannelOp(c, cmd, arg);
        if (rc == 0 && cmd == EvtchnOp.SEND.code()) {
            d.eventsSent.increment();
            // UNTRUSTED: read again for statistics only; a guest that changed it meanwhile only
            // misattributes its own delivery count
            int port = c.readInt(arg + EvtchnSendLayout.PORT_OFFSET);
            int receiver = library.receiverOf(d.domid, port);
            DomainRecord r = receiver < 0 ? null : domains.get(receiver);
            if (r != null) {
                r.eventsDelivered.increment();
            }
        }
        return rc;
    }

    /**
     * {@code multicall(entries, nr_calls)}: each entry is copied in on its own (a bad element ends the call
     * with {@code -EFAULT}, earlier elements stay done), dispatched with the caller's own identity and
     * privilege, and its result written back. A nested multicall is {@code -EINVAL}. The work is bounded
     * by the caller's memory (every element must lie in it).
     */
    private long multicall(DomainRecord d, HypercallContext c, long entries, long nrCalls) {
        long n = nrCalls & 0xFFFF_FFFFL;
        long size = MulticallEntryLayout.SIZE;
        for (long i = 0; i < n; i++) {
            long address;
            try {
                address = Math.addExact(entries, Math.multiplyExact(i, size));
            } catch (ArithmeticException overflow) {
                return EFAULT;
            }
            // UNTRUSTED: one private copy per element
            MemorySegment e = c.copyIn(address, MulticallEntryLayout.LAYOUT);
            long op = e.get(ValueLayout.JAVA_LONG, MulticallEntryLayout.OP_OFFSET);
            long[] a = new long[5];
            for (int k = 0; k < 5; k++) {
                a[k] = e.get(ValueLayout.JAVA_LONG, MulticallEntryLayout.ARGS_OFFSET + 8L * k);
            }
            long r = route(d, c, op, a[0], a[1], a[2], a[3], a[4], false);
            c.writeLong(address + MulticallEntryLayout.RESULT_OFFSET, r);
            if (d.phase() != DomainRecord.RUNNING) {
                break; // the domain shut down in this batch
            }
        }
        return 0;
    }
}
