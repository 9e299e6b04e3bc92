package io.pvkit.hypervisor.internal;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedPollLayout;
import io.pvkit.abi.platform.SchedRemoteShutdownLayout;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.ShutdownReason;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * {@code sched_op(cmd, arg)}: yield, block, poll, shutdown, shutdown_code and remote_shutdown.
 *
 * <p>{@code SCHEDOP_block} enables event delivery for the vCPU (clears {@code evtchn_upcall_mask}, as Xen's
 * {@code local_event_delivery_enable}) and parks the calling thread until {@code evtchn_upcall_pending} is
 * set (pv-events kicks the vCPU when it sets it) or the domain shuts down or is destroyed. It returns 0.
 *
 * <p>{@code SCHEDOP_poll} validates its ports (at most {@value #MAX_POLL_PORTS}, each below the domain's
 * port limit, else {@code -EINVAL}), copies them once, and waits until one of them is pending in
 * {@code shared_info} (masked or not), an upcall is due, the absolute {@code timeout} (nanoseconds of
 * system time, 0 = none) passes, or the domain stops. A masked port raises no kick, so the poll also
 * re-checks every {@value #POLL_SLICE_MICROS} µs.
 */
final class SchedOps {
    /** Xen's bound on {@code sched_poll.nr_ports}. */
    static final int MAX_POLL_PORTS = 128;
    /** How often a poll re-checks its ports. */
    static final long POLL_SLICE_MICROS = 1000;
    /** How often an idle block re-checks (a safety net: kicks wake it). */
    private static final long BLOCK_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final long ENOSYS = XenErrno.ENOSYS.negated();
    private static final long EINVAL = XenErrno.EINVAL.negated();
    private static final long EPERM = XenErrno.EPERM.negated();
    private static final long ESRCH = XenErrno.ESRCH.negated();

    private final DomainTable domains;
    private final LibraryDomains library;
    private final Platform platform;

    SchedOps(DomainTable domains, LibraryDomains library, Platform platform) {
        this.domains = domains;
        this.library = library;
        this.platform = platform;
    }

    long schedOp(DomainRecord d, HypercallContext c, long cmd, long arg) {
        SchedOp op = SchedOp.of(cmd).orElse(null);
        if (op == null) {
            return ENOSYS;
        }
        return switch (op) {
            case YIELD -> {
                Thread.yield();
                yield 0;
            }
            case BLOCK -> block(d, c.vcpu());
            case POLL -> poll(d, c, arg);
            case SHUTDOWN -> shutdown(d, c, arg);
            case SHUTDOWN_CODE -> shutdownCode(d, c, arg);
            case REMOTE_SHUTDOWN -> remoteShutdown(d, c, arg);
            default -> ENOSYS;
        };
    }

    private long block(DomainRecord d, int vcpu) {
        // Xen's do_block: local_event_delivery_enable(), then sleep unless events need delivery
        d.memory.getAndBitwiseAndByte(d.vcpuInfoGpa(vcpu) + VcpuInfoLayout.UPCALL_MASK_OFFSET, 0);
        d.waker.await(vcpu, () -> d.phase() != DomainRecord.RUNNING || d.upcallPending(vcpu), Long.MAX_VALUE,
                BLOCK_SLICE_NANOS);
        return 0;
    }

    private long poll(DomainRecord d, HypercallContext c, long arg) {
        // UNTRUSTED: the structure and then the port array are copied once and validated before waiting
        MemorySegment a = c.copyIn(arg, SchedPollLayout.LAYOUT);
        long portsPtr = a.get(ValueLayout.JAVA_LONG, SchedPollLayout.PORTS_OFFSET);
        long nr = Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, SchedPollLayout.NR_PORTS_OFFSET));
        long timeout = a.get(ValueLayout.JAVA_LONG, SchedPollLayout.TIMEOUT_OFFSET);
        if (nr > MAX_POLL_PORTS) {
            return EINVAL;
        }
        int limit = library.portLimit(d.domid);
        int[] ports = new int[(int) nr];
        for (int i = 0; i < nr; i++) {
            ports[i] = c.readInt(portsPtr + 4L * i);
            if (ports[i] < 0 || ports[i] >= limit) {
                return EINVAL;
            }
        }
        long deadline = timeout == 0 ? Long.MAX_VALUE : platform.toNanoTime(timeout);
        int vcpu = c.vcpu();
        d.waker.await(vcpu, () -> d.phase() != DomainRecord.RUNNING || anyPending(d, ports) || d.upcallPending(vcpu),
                deadline, TimeUnit.MICROSECONDS.toNanos(POLL_SLICE_MICROS));
        return 0;
    }

    private static boolean anyPending(DomainRecord d, int[] ports) {
        for (int p : ports) {
            if (d.portPending(p)) {
                return true;
            }
        }
        return false;
    }

    private long shutdown(DomainRecord d, HypercallContext c, long arg) {
        MemorySegment a = c.copyIn(arg, SchedShutdownLayout.LAYOUT);
        ShutdownReason reason = ShutdownReason.of(Integer.toUnsignedLong(
                a.get(ValueLayout.JAVA_INT, SchedShutdownLayout.REASON_OFFSET))).orElse(null);
        if (reason == null) {
            return EINVAL;
        }
        if (d.shutdown(reason)) {
            platform.shutDown(d);
        }
        return 0;
    }

    private static long shutdownCode(DomainRecord d, HypercallContext c, long arg) {
        MemorySegment a = c.copyIn(arg, SchedShutdownLayout.LAYOUT);
        long code = Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, SchedShutdownLayout.REASON_OFFSET));
        if (ShutdownReason.of(code).isEmpty()) {
            return EINVAL;
        }
        d.shutdownCode((int) code);
        return 0;
    }

    private long remoteShutdown(DomainRecord d, HypercallContext c, long arg) {
        if (!d.privileged) {
            return EPERM;
        }
        MemorySegment a = c.copyIn(arg, SchedRemoteShutdownLayout.LAYOUT);
        int target = Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT, SchedRemoteShutdownLayout.DOMAIN_ID_OFFSET));
        ShutdownReason reason = ShutdownReason.of(Integer.toUnsignedLong(
                a.get(ValueLayout.JAVA_INT, SchedRemoteShutdownLayout.REASON_OFFSET))).orElse(null);
        DomainRecord t = domains.get(target);
        if (t == null || t.phase() >= DomainRecord.DYING) {
            return ESRCH;
        }
        if (reason == null) {
            return EINVAL;
        }
        if (t.shutdown(reason)) {
            platform.shutDown(t);
        }
        return 0;
    }
}
