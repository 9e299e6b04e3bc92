package io.pvkit.cli.system;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.VcpuStart;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A guest that issues bad hypercalls for a while, then powers off: random ops and sub-ops with random
 * arguments, pointers outside its memory, another domain's event-channel ports and grant references. It
 * records every call that should have failed but did not, and every exception that escaped the hypervisor.
 * <p>It never issues {@code sched_op} (which could block it or shut it down) or {@code sched_op_compat}.
 */
final class HostileGuest implements GuestEntryPoint {

    private static final long[] BAD_POINTERS = {-1L, -4096L, Long.MIN_VALUE, Long.MAX_VALUE, 0x7FFF_FFFF_F000L,
        0xFFFF_8000_0000_0000L};

    private final int victim;
    private final long seed;
    private final Duration runFor;
    /** Calls that succeeded although they must fail (what, result). */
    final List<String> violations = new CopyOnWriteArrayList<>();
    /** Exceptions that escaped the dispatcher (it must return an errno instead). */
    final List<Throwable> escaped = new CopyOnWriteArrayList<>();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    HostileGuest(int victim, long seed, Duration runFor) {
        this.victim = victim;
        this.seed = seed;
        this.runFor = runFor;
    }

    @Override
    public void enter(VcpuStart start) {
        HypercallContext self = start.self();
        GuestHypercalls hc = new GuestHypercalls(start.hypervisor(), self, 64, GuestMemory.PAGE_SIZE - 64);
        long size = self.memory().byteSize();
        SplittableRandom random = new SplittableRandom(seed);
        long end = System.nanoTime() + runFor.toNanos();
        while (System.nanoTime() - end < 0) {
            switch (random.nextInt(6)) {
                case 0 -> randomCall(hc, random, size);
                case 1 -> badPointer(hc, random, size);
                case 2 -> mustFail("bind_interdomain to the victim's port", hc,
                        h -> h.bindInterdomain(victim, random.nextInt(64)));
                case 3 -> victimPortOps(hc, random);
                case 4 -> mapVictimGrant(hc, random);
                default -> copyVictimGrant(hc, random, size);
            }
        }
        hc.shutdown(ShutdownReason.POWEROFF);
    }

    private long call(GuestHypercalls hc, long op, long a1, long a2, long a3, long a4, long a5) {
        calls.incrementAndGet();
        try {
            long rc = hc.call(op, a1, a2, a3, a4, a5);
            if (rc < 0) {
                errors.incrementAndGet();
            }
            return rc;
        } catch (RuntimeException e) {
            escaped.add(e);
            return Long.MIN_VALUE;
        }
    }

    private void mustFail(String what, GuestHypercalls hc, java.util.function.ToLongFunction<GuestHypercalls> op) {
        calls.incrementAndGet();
        try {
            long rc = op.applyAsLong(hc);
            if (rc >= 0) {
                violations.add(what + " returned " + rc);
            } else {
                errors.incrementAndGet();
            }
        } catch (RuntimeException e) {
            escaped.add(e);
        }
    }

    /** Any op but sched_op, any sub-op, arguments that are small numbers, pointers into or out of memory. */
    private void randomCall(GuestHypercalls hc, SplittableRandom random, long size) {
        long op;
        do {
            op = random.nextInt(8) == 0 ? random.nextLong() : random.nextInt(64);
        } while (op == HypercallOp.SCHED_OP.number() || op == HypercallOp.SCHED_OP_COMPAT.number());
        long[] a = new long[5];
        for (int i = 0; i < 5; i++) {
            a[i] = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(32);
                case 1 -> random.nextLong(size);
                case 2 -> BAD_POINTERS[random.nextInt(BAD_POINTERS.length)];
                default -> random.nextLong();
            };
        }
        call(hc, op, a[0], a[1], a[2], a[3], a[4]);
    }

    /** Ops whose pointer argument lies outside the guest's memory (or straddles its end): all must fail. */
    private void badPointer(GuestHypercalls hc, SplittableRandom random, long size) {
        long p = switch (random.nextInt(3)) {
            case 0 -> BAD_POINTERS[random.nextInt(BAD_POINTERS.length)];
            case 1 -> size + random.nextInt(1 << 20);
            default -> size - 2;   // straddles the end of memory
        };
        long rc = switch (random.nextInt(5)) {
            case 0 -> call(hc, HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(), p, 0, 0, 0);
            case 1 -> call(hc, HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.MAP_GRANT_REF.code(), p, 1, 0, 0);
            case 2 -> call(hc, HypercallOp.MEMORY_OP.number(), 7 /* XENMEM_add_to_physmap */, p, 0, 0, 0);
            case 3 -> call(hc, HypercallOp.HVM_OP.number(), 1 /* HVMOP_get_param */, p, 0, 0, 0);
            default -> call(hc, HypercallOp.CONSOLE_IO.number(), 0 /* CONSOLEIO_write */, 16, p, 0, 0);
        };
        if (rc >= 0 && rc != Long.MIN_VALUE) {
            violations.add("a call with pointer 0x" + Long.toHexString(p) + " returned " + rc);
        }
    }

    /** alloc_unbound and status on the victim's behalf: an unprivileged domain may not (-EPERM). */
    private void victimPortOps(GuestHypercalls hc, SplittableRandom random) {
        try (Arena arena = Arena.ofConfined()) {
            if (random.nextBoolean()) {
                MemorySegment a = arena.allocate(EvtchnAllocUnboundLayout.LAYOUT);
                a.set(ValueLayout.JAVA_SHORT, EvtchnAllocUnboundLayout.DOM_OFFSET, (short) victim);
                a.set(ValueLayout.JAVA_SHORT, EvtchnAllocUnboundLayout.REMOTE_DOM_OFFSET, (short) DomId.SELF);
                mustFail("alloc_unbound in the victim", hc, h -> h.eventChannelOp(EvtchnOp.ALLOC_UNBOUND, a));
            } else {
                MemorySegment a = arena.allocate(EvtchnStatusLayout.LAYOUT);
                a.set(ValueLayout.JAVA_SHORT, EvtchnStatusLayout.DOM_OFFSET, (short) victim);
                a.set(ValueLayout.JAVA_INT, EvtchnStatusLayout.PORT_OFFSET, random.nextInt(64));
                mustFail("status of the victim's port", hc, h -> h.eventChannelOp(EvtchnOp.STATUS, a));
            }
        }
    }

    /** Maps the victim's grant refs (its console and xenstore pages are granted to dom0 only). */
    private void mapVictimGrant(GuestHypercalls hc, SplittableRandom random) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(GnttabMapGrantRefLayout.LAYOUT);
            int ref = random.nextInt(16);
            m.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, GuestMemory.PAGE_SIZE);
            m.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET,
                    random.nextBoolean() ? GntMap.HOST_MAP : GntMap.HOST_MAP | GntMap.READONLY);
            m.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
            m.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) victim);
            long rc = grantOp(GrantTableOp.MAP_GRANT_REF, hc, m);
            short status = m.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET);
            countError(rc, status);
            if (rc == 0 && status == 0) {
                violations.add("map of the victim's grant ref " + ref + " succeeded");
            }
        }
    }

    /** Copies from the victim's grant refs into the hostile's own memory. */
    private void copyVictimGrant(GuestHypercalls hc, SplittableRandom random, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(GnttabCopyLayout.LAYOUT);
            int ref = random.nextInt(16);
            c.set(ValueLayout.JAVA_INT, GnttabCopyLayout.SOURCE_U_REF_OFFSET, ref);
            c.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.SOURCE_DOMID_OFFSET, (short) victim);
            c.set(ValueLayout.JAVA_LONG, GnttabCopyLayout.DEST_U_GMFN_OFFSET, GuestMemory.gfnOf(size) - 1);
            c.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.DEST_DOMID_OFFSET, (short) DomId.SELF);
            c.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.LEN_OFFSET, (short) 64);
            c.set(ValueLayout.JAVA_SHORT, GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
            long rc = grantOp(GrantTableOp.COPY, hc, c);
            short status = c.get(ValueLayout.JAVA_SHORT, GnttabCopyLayout.STATUS_OFFSET);
            countError(rc, status);
            if (rc == 0 && status == 0) {
                violations.add("copy from the victim's grant ref " + ref + " succeeded");
            }
        }
    }

    private void countError(long rc, short status) {
        if (rc != 0 || status != 0) {
            errors.incrementAndGet();
        }
    }

    private long grantOp(GrantTableOp op, GuestHypercalls hc, MemorySegment element) {
        calls.incrementAndGet();
        try {
            return hc.grantTableOp(op, element);
        } catch (RuntimeException e) {
            escaped.add(e);
            return Long.MIN_VALUE;
        }
    }
}
