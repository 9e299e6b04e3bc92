package io.pvkit.process;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.spi.HypercallHandler;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small hypervisor for the session tests: xen_version, console_io write, sched_op block (waits until the
 * domain is destroyed) and shutdown (recorded); destroys a domain when its guest is gone.
 */
final class TestHost implements GuestHost {
    static final long VERSION = 4L << 16 | 14;

    final AtomicInteger nextDomid = new AtomicInteger(1);
    final Map<Integer, CountDownLatch> destroyed = new ConcurrentHashMap<>();
    final Map<Integer, AtomicLong> calls = new ConcurrentHashMap<>();
    final Map<Integer, Integer> shutdownReason = new ConcurrentHashMap<>();
    final StringBuffer console = new StringBuffer();
    final BlockingQueue<GuestSession> gone = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> blocked = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> firstCall = new LinkedBlockingQueue<>();

    @Override
    public Admission admit(GuestRequest request) {
        int domid = nextDomid.getAndIncrement();
        SealedGuestMemory mem = SealedGuestMemory.create("dom" + domid, request.frames());
        destroyed.put(domid, new CountDownLatch(1));
        calls.put(domid, new AtomicLong());
        return new Admission(domid, false, mem, request.vcpus(), 0, handler(domid));
    }

    @Override
    public void guestGone(GuestSession session, String reason) {
        destroyed.get(session.domid()).countDown();
        gone.add(session);
    }

    private HypercallHandler handler(int domid) {
        return (caller, op, a1, a2, a3, a4, a5) -> {
            if (calls.get(domid).getAndIncrement() == 0) {
                firstCall.add(domid);
            }
            if (op == HypercallOp.XEN_VERSION.number()) {
                return VERSION;
            }
            if (op == HypercallOp.CONSOLE_IO.number() && a1 == ConsoleIoOp.WRITE) {
                if (a2 < 0 || a2 > 4096) {
                    return XenErrno.EINVAL.negated();
                }
                try {
                    console.append(new String(caller.readBytes(a3, a2), StandardCharsets.UTF_8));
                } catch (RuntimeException e) {
                    return XenErrno.EFAULT.negated();
                }
                return 0;
            }
            if (op == HypercallOp.SCHED_OP.number() && a1 == SchedOp.BLOCK.code()) {
                blocked.add(domid);
                try {
                    destroyed.get(domid).await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 0;
            }
            if (op == HypercallOp.SCHED_OP.number() && a1 == SchedOp.SHUTDOWN.code()) {
                try {
                    shutdownReason.put(domid, caller.readInt(a2));
                } catch (RuntimeException e) {
                    return XenErrno.EFAULT.negated();
                }
                return 0;
            }
            return XenErrno.ENOSYS.negated();
        };
    }
}
