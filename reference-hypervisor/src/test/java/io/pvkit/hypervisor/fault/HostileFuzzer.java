package io.pvkit.hypervisor.fault;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnBindInterdomainLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnResetLayout;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.MulticallEntryLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedPollLayout;
import io.pvkit.abi.platform.SchedRemoteShutdownLayout;
import io.pvkit.abi.platform.VcpuOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.console.XenconsInterfaceLayout;
import io.pvkit.abi.xenstore.XenstoreDomainInterfaceLayout;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.hypervisor.MiniGuest;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;

/**
 * The hostile guest: after connecting its console, xenstore and disk honestly, it issues {@code budget}
 * random and adversarial hypercalls as fast as it can from vCPU 0, while vCPU 1 fuzzes the same domain
 * concurrently (its own seed stream and argument frames, no ring garbage) until vCPU 0 is done:
 * <ul>
 *   <li>random ops (known and unknown numbers) and sub-ops, pointers into its memory, at and across its end,
 *       and far outside, argument structures of random bytes sprinkled with edge values (ports, grant
 *       references and domids of the other domains, {@code DOMID_SELF}/{@code DOMID_IO}/{@code 0x7FF0..},
 *       counts near 2^31 and 2^32);</li>
 *   <li>calls aimed at the other domains (bind their ports, reset their tables, map and copy their grants,
 *       read their HVM params, shut them down): each must fail, a success is a violation;</li>
 *   <li>garbage on its own rings: console bytes and indices, xenstore frames (random types, lengths,
 *       payloads naming other domains' nodes), blkif requests with random operations, segments, references
 *       and sectors; each followed by a notification.</li>
 * </ul>
 * What would end the fuzzer itself is kept out (a valid shutdown reason, an unbounded block or poll, closing
 * its own device ports before the last 2% of the run); everything else it does to itself is allowed.
 * A watchdog reads {@link #callStartNanos} to catch a hypercall that never returns.
 */
final class HostileFuzzer implements GuestEntryPoint {
    static final long ARG_FRAMES = 6;
    static final long RING_FRAME = 8;
    static final int FRAMES = 32;
    /** The second vCPU's frames: scratch page 16, arguments 17..22, multicall entries 23. */
    static final long SECOND_LANE_BASE = 16;

    private static final long[] KNOWN_OPS = {
        HypercallOp.EVENT_CHANNEL_OP.number(), HypercallOp.GRANT_TABLE_OP.number(), HypercallOp.SCHED_OP.number(),
        HypercallOp.MEMORY_OP.number(), HypercallOp.HVM_OP.number(), HypercallOp.VCPU_OP.number(),
        HypercallOp.CONSOLE_IO.number(), HypercallOp.XEN_VERSION.number(), HypercallOp.MULTICALL.number(),
        HypercallOp.DOMCTL.number(), HypercallOp.SYSCTL.number(), HypercallOp.PLATFORM_OP.number(),
    };
    private static final long[] SUBOP_LIMIT = new long[64];

    static {
        SUBOP_LIMIT[HypercallOp.EVENT_CHANNEL_OP.number()] = 14;
        SUBOP_LIMIT[HypercallOp.GRANT_TABLE_OP.number()] = 13;
        SUBOP_LIMIT[HypercallOp.SCHED_OP.number()] = 8;
        SUBOP_LIMIT[HypercallOp.MEMORY_OP.number()] = 29;
        SUBOP_LIMIT[HypercallOp.HVM_OP.number()] = 24;
        SUBOP_LIMIT[HypercallOp.VCPU_OP.number()] = 14;
        SUBOP_LIMIT[HypercallOp.CONSOLE_IO.number()] = 2;
        SUBOP_LIMIT[HypercallOp.XEN_VERSION.number()] = 11;
    }

    private static final int[] SPECIAL_DOMIDS = {DomId.SELF, DomId.IO, DomId.XEN, DomId.COW, DomId.INVALID,
        DomId.IDLE, 0x7FF5, 0x8000, 0xFFFF, 999, 0x7FEF};

    final long seed;
    final long budget;
    final int[] others;
    final LongSupplier systemTime;
    final PortOracle offered;
    final FuzzStats stats = new FuzzStats();
    /** 0: vCPU 0 (boots, connects, fuzzes {@code budget} calls); 1: vCPU 1, fuzzing its own resources concurrently. */
    final int lane;
    /** The vCPU 1 lane (null in the lane itself). */
    final HostileFuzzer second;
    final CountDownLatch laneDone = new CountDownLatch(1);
    final long argFirst;
    private final long multicallFrame;
    private volatile boolean primaryDone;
    private GuestHypercalls hc;
    private int esrchRun;
    private static final long ESRCH = io.pvkit.abi.XenErrno.ESRCH.negated();

    /** Ends a vCPU of a destroyed fuzzer. */
    static final class DestroyedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DestroyedException() {
            super("destroyed", null, false, false);
        }
    }
    private final GrantFuzz grants = new GrantFuzz(this);
    private final RingGarbage rings = new RingGarbage(this);
    final CountDownLatch ready = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);
    /** When the current hypercall started ({@code System.nanoTime()}), 0 between calls. */
    volatile long callStartNanos;
    volatile long currentOp;
    volatile long currentCmd;
    volatile long currentArg;
    volatile long finishedNanos;
    volatile long startedNanos;

    SplittableRandom rnd;
    MiniGuest g;
    GuestMemory mem;
    long end;
    int self;
    BlkFront blk;
    int[] protectedPorts;
    volatile boolean late;
    long sharedInfoGpa;
    long consoleGpa;
    long storeGpa;
    long grantGpa;
    final int[] handles = new int[16];
    final long[] handleAddrs = new long[16];

    /**
     * @param seed the seed of every choice
     * @param budget hypercalls to issue
     * @param others the other domains (domain 0 and the victims): their ids are aimed at
     * @param systemTime the hypervisor's system time (for bounded {@code SCHEDOP_poll} timeouts)
     * @param offered the test's view of which foreign ports this domain may bind
     */
    HostileFuzzer(long seed, long budget, int[] others, LongSupplier systemTime, PortOracle offered) {
        this.seed = seed;
        this.budget = budget;
        this.others = others.clone();
        this.systemTime = systemTime;
        this.offered = offered;
        this.lane = 0;
        this.argFirst = 1;
        this.multicallFrame = 7;
        this.second = new HostileFuzzer(this);
    }

    /** The vCPU 1 lane of {@code primary}: its own seed stream, argument frames and statistics. */
    private HostileFuzzer(HostileFuzzer primary) {
        this.seed = primary.seed ^ 0x5EC0_4D1AL;
        this.budget = 0;
        this.others = primary.others;
        this.systemTime = primary.systemTime;
        this.offered = primary.offered;
        this.lane = 1;
        this.argFirst = SECOND_LANE_BASE + 1;
        this.multicallFrame = SECOND_LANE_BASE + 7;
        this.second = null;
    }

    /** Whether a foreign port is unbound with this domain as its allowed remote (then binding it is legitimate). */
    @FunctionalInterface
    interface PortOracle {
        /**
         * @param dom the port's domain
         * @param port the port
         * @param remote the domain that would bind it
         * @return true when {@code port} of {@code dom} is unbound and offered to {@code remote}
         */
        boolean offeredTo(int dom, int port, int remote);
    }

    @Override
    public void enter(VcpuStart start) {
        if (start.self().vcpu() == 1) {
            second.runSecondLane(start, this);
            return;
        }
        g = MiniGuest.boot(start);
        hc = g.hc;
        mem = g.memory;
        end = mem.byteSize();
        self = start.self().domid();
        rnd = new SplittableRandom(seed);
        sharedInfoGpa = GuestMemory.gpaOf(g.sharedInfoGfn);
        consoleGpa = GuestMemory.gpaOf(g.consoleGfn);
        blk = new BlkFront(mem, g.hc, start.startInfoGpa(), BlkFront.XVDA);
        storeGpa = GuestMemory.gpaOf(mem.getLong(start.startInfoGpa()
                + io.pvkit.abi.platform.StartInfoLayout.STORE_MFN_OFFSET));
        blk.connect(RING_FRAME);
        grantGpa = GuestMemory.gpaOf(blk.tableFrames[0]);
        java.util.Arrays.fill(handles, -1);
        protectedPorts = new int[] {g.consolePort, g.echoPort, blk.storePort, blk.port};
        for (long f = argFirst; f < argFirst + ARG_FRAMES; f++) {
            for (long o = 0; o < GuestMemory.PAGE_SIZE; o += 8) {
                mem.setLong(GuestMemory.gpaOf(f) + o, rnd.nextLong());
            }
        }
        // vCPU 1 races vCPU 0 on the same ports, grant table and maptrack
        if (hc.call(HypercallOp.VCPU_OP.number(), VcpuOp.UP, 1, 0, 0, 0) != 0) {
            throw new IllegalStateException("VCPUOP_up(1) failed");
        }
        ready.countDown();
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        startedNanos = System.nanoTime();
        for (long i = 0; i < budget; i++) {
            late = i >= budget - budget / 50;
            second.late = late;
            step();
        }
        finishedNanos = System.nanoTime();
        second.primaryDone = true;
        try {
            second.laneDone.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        g.shutdown(ShutdownReason.POWEROFF);
    }

    /** vCPU 1: shares vCPU 0's view of the domain, fuzzes until vCPU 0 is done (no ring garbage: one writer per ring). */
    private void runSecondLane(VcpuStart start, HostileFuzzer primary) {
        try {
            hc = new GuestHypercalls(start.hypervisor(), start.self(), GuestMemory.gpaOf(SECOND_LANE_BASE), GuestMemory.PAGE_SIZE);
            mem = primary.mem;
            end = primary.end;
            self = primary.self;
            rnd = new SplittableRandom(seed);
            sharedInfoGpa = primary.sharedInfoGpa;
            consoleGpa = primary.consoleGpa;
            storeGpa = primary.storeGpa;
            grantGpa = primary.grantGpa;
            blk = primary.blk;
            protectedPorts = primary.protectedPorts;
            java.util.Arrays.fill(handles, -1);
            primary.go.await();
            while (!primaryDone) {
                int k = rnd.nextInt(100);
                if (k < 40) {
                    generic();
                } else if (k < 60) {
                    grants.ownGrants();
                } else if (k < 70) {
                    multicall();
                } else if (k < 80) {
                    aimed();
                } else {
                    ownPorts();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            laneDone.countDown();
        }
        // vCPU 1 returns; vCPU 0 shuts the domain down
        while (!Thread.currentThread().isInterrupted() && hc.call(HypercallOp.SCHED_OP.number(), SchedOp.YIELD.code(), 0, 0, 0, 0) == 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    // ----------------------------------------------------------------------------------- the one edge

    long call(long op, long a1, long a2, long a3, long a4, long a5) {
        currentOp = op;
        currentCmd = a1;
        currentArg = a2;
        callStartNanos = System.nanoTime();
        long r;
        try {
            r = hc.call(op, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            callStartNanos = 0;
            stats.escape(op, a1, t);
            return Long.MIN_VALUE;
        }
        callStartNanos = 0;
        stats.count(op, a1, r);
        // a domain whose every call answers -ESRCH has been destroyed: its vCPU stops (as if the hypervisor took it)
        esrchRun = r == ESRCH ? esrchRun + 1 : 0;
        if (esrchRun > 10_000) {
            throw new DestroyedException();
        }
        return r;
    }

    // ------------------------------------------------------------------------------------- choices

    private void step() {
        int k = rnd.nextInt(100);
        if (k < 45) {
            generic();
        } else if (k < 50) {
            grants.ownGrants();
        } else if (k < 80) {
            aimed();
        } else if (k < 85) {
            multicall();
        } else if (k < 95) {
            ownPorts();
        } else {
            rings.ringGarbage();
        }
    }

    /** An address in the argument area, 8-aligned, with room for {@code size} bytes in the frame range. */
    long argSlot(int size) {
        long base = GuestMemory.gpaOf(argFirst);
        long span = ARG_FRAMES * GuestMemory.PAGE_SIZE - size;
        return base + (rnd.nextLong(span) & ~7L);
    }

    /** A pointer: mostly a fresh structure in the argument area, else an edge or anywhere in memory. */
    private long pointer(int structSize) {
        int k = rnd.nextInt(20);
        if (k < 12) {
            long p = argSlot(structSize);
            fill(p, structSize);
            return p;
        }
        return switch (k) {
            case 12 -> end - 1 - rnd.nextInt(structSize + 1);        // across the end of memory
            case 13 -> end + rnd.nextInt(1 << 16);                      // just outside
            case 14 -> new long[] {0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40, -4096, 1L << 63 >>> 1,
                0x7FFF_FFFF_FFFF_FFF8L, 0xFFFF_FFFFL}[rnd.nextInt(9)];
            case 15 -> GuestMemory.gpaOf(argFirst + 1) - 1 - rnd.nextInt(8); // across a page boundary
            case 16 -> sharedInfoGpa + rnd.nextInt(4096);              // its own special pages
            // anywhere in its memory; its console, xenstore and grant pages only in the last 2% (outputs written
            // there break its own rings early and would leave the ring fuzzing nothing to work on)
            case 17 -> anywhere();
            default -> {
                long p = argSlot(structSize);
                fill(p, structSize);
                yield p;
            }
        };
    }

    /** Random bytes with edge values sprinkled at aligned offsets; the first field is often a small number. */
    void fill(long p, int size) {
        for (int o = 0; o + 8 <= size; o += 8) {
            mem.setLong(p + o, rnd.nextLong());
        }
        int sprinkles = 1 + rnd.nextInt(4);
        for (int i = 0; i < sprinkles; i++) {
            int o = rnd.nextInt(Math.max(1, size / 2)) * 2;
            switch (rnd.nextInt(5)) {
                case 0 -> { if (o + 2 <= size) mem.setShort(p + o, (short) domid()); }
                case 1 -> { if ((o & 3) == 0 && o + 4 <= size) mem.setInt(p + o, port()); }
                case 2 -> { if ((o & 3) == 0 && o + 4 <= size) mem.setInt(p + o, ref()); }
                case 3 -> { if ((o & 7) == 0 && o + 8 <= size) mem.setLong(p + o, count()); }
                default -> { if ((o & 7) == 0 && o + 8 <= size) mem.setLong(p + o, pointerValue()); }
            }
        }
        if (rnd.nextBoolean() && size >= 4) {
            mem.setInt(p, rnd.nextInt(72));
        }
    }

    int domid() {
        int k = rnd.nextInt(10);
        if (k < 5) {
            return others[rnd.nextInt(others.length)];
        }
        if (k < 7) {
            return rnd.nextBoolean() ? self : DomId.SELF;
        }
        return SPECIAL_DOMIDS[rnd.nextInt(SPECIAL_DOMIDS.length)];
    }

    int port() {
        return switch (rnd.nextInt(6)) {
            case 0 -> -1;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> 4095 + rnd.nextInt(3);
            case 3 -> rnd.nextInt();
            default -> rnd.nextInt(72);
        };
    }

    int ref() {
        return switch (rnd.nextInt(7)) {
            case 0 -> rnd.nextInt(2);            // the reserved console and xenstore grants
            case 1 -> 2047 + rnd.nextInt(3);     // the end of a 4-frame table
            case 2 -> -1;
            case 3 -> rnd.nextInt();
            default -> rnd.nextInt(40);          // where data grants are
        };
    }

    long count() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0xFFFF_FFFFL;
            case 1 -> 1L << 31;
            case 2 -> (1L << 31) - 1;
            case 3 -> -1L;
            case 4 -> rnd.nextLong();
            default -> rnd.nextInt(20);
        };
    }

    long pointerValue() {
        return switch (rnd.nextInt(4)) {
            case 0 -> argSlot(64);
            case 1 -> end - rnd.nextInt(16);
            case 2 -> rnd.nextLong();
            default -> anywhere();
        };
    }

    /**
     * Anywhere in its memory, except (before the last 2%) its console, xenstore, grant and ring pages (outputs
     * written there would break its own rings early) and both vCPUs' argument frames (whose status fields the
     * fuzzer reads back to judge a call): frames 0, 9..15, 24..31, start_info and shared_info.
     */
    private long anywhere() {
        if (late) {
            return rnd.nextLong(end);
        }
        long[] frames = {0, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31, FRAMES, FRAMES + 1};
        return GuestMemory.gpaOf(frames[rnd.nextInt(frames.length)]) + rnd.nextInt(GuestMemory.PAGE_SIZE);
    }

    private long cmdFor(long op) {
        long limit = op >= 0 && op < 64 ? SUBOP_LIMIT[(int) op] : 0;
        if (rnd.nextInt(16) == 0 || limit == 0) {
            return rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(64);
        }
        return rnd.nextLong(limit + 1);
    }

    // ------------------------------------------------------------------------------------- families

    /** Any op, any sub-op, a pointer and random further arguments (made safe for the fuzzer itself). */
    private void generic() {
        long op = rnd.nextInt(8) == 0 ? (rnd.nextBoolean() ? rnd.nextInt(64) : rnd.nextLong()) : KNOWN_OPS[rnd.nextInt(KNOWN_OPS.length)];
        if (op == HypercallOp.MULTICALL.number()) {
            multicall();
            return;
        }
        long cmd = cmdFor(op);
        long p = pointer(64);
        long a3 = count();
        if (op == HypercallOp.SCHED_OP.number()) {
            sched(cmd, p);
            return;
        }
        if (op == HypercallOp.CONSOLE_IO.number() && cmd == 0) {
            a3 = rnd.nextInt(64) == 0 ? a3 : rnd.nextInt(96); // console_io(WRITE, count, buf): keep most writes short
            long buf = pointer(96);
            if ((a3 & 0xFFFF_FFFFL) > 4096 && buf >= 0 && buf < end) {
                a3 = rnd.nextInt(4096);
            }
            call(op, cmd, a3, buf, 0, 0);
            return;
        }
        if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
            protectOwnPorts(cmd, p);
        }
        call(op, cmd, p, a3, rnd.nextLong(), rnd.nextLong());
    }

    /** Until the last 2%, a close, reset or rebinding of the fuzzer's device ports is turned elsewhere. */
    private void protectOwnPorts(long cmd, long p) {
        if (late || p < 0 || p > end - 4) {
            return;
        }
        if (cmd == EvtchnOp.CLOSE.code() || cmd == EvtchnOp.BIND_VCPU.code()) {
            int port = mem.getInt(p);
            for (int q : protectedPorts) {
                if (q == port) {
                    mem.setInt(p, 100 + rnd.nextInt(4000));
                }
            }
        } else if (cmd == EvtchnOp.RESET.code() || cmd == EvtchnOp.INIT_CONTROL.code()) {
            int dom = Short.toUnsignedInt(mem.getShort(p));
            if (dom == DomId.SELF || dom == self) {
                mem.setShort(p, (short) others[rnd.nextInt(others.length)]);
            }
        }
    }

    /** sched_op without the calls that would end or park the fuzzer for good. */
    private void sched(long cmd, long p) {
        long op = HypercallOp.SCHED_OP.number();
        if (cmd == SchedOp.BLOCK.code()) {
            // an event is due: block must return at once
            mem.setByte(sharedInfoGpa + SharedInfoLayout.vcpuInfoOffset(lane) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 1);
            call(op, cmd, p, 0, 0, 0);
        } else if (cmd == SchedOp.SHUTDOWN.code()) {
            long a = argSlot(8);
            mem.setInt(a, 5 + rnd.nextInt(Integer.MAX_VALUE - 5)); // never a valid reason
            call(op, cmd, rnd.nextInt(4) == 0 ? end - 2 : a, 0, 0, 0);
        } else if (cmd == SchedOp.POLL.code()) {
            long a = argSlot(24);
            long ports = rnd.nextInt(4) == 0 ? pointerValue() : argSlot(512);
            mem.setLong(a + SchedPollLayout.PORTS_OFFSET, ports);
            mem.setInt(a + SchedPollLayout.NR_PORTS_OFFSET, (int) (rnd.nextInt(4) == 0 ? count() : rnd.nextInt(130)));
            mem.setLong(a + SchedPollLayout.TIMEOUT_OFFSET, systemTime.getAsLong() + rnd.nextInt(300_000));
            call(op, cmd, rnd.nextInt(10) == 0 ? end - 8 : a, 0, 0, 0);
        } else if (cmd == SchedOp.REMOTE_SHUTDOWN.code()) {
            long a = argSlot(8);
            mem.setShort(a + SchedRemoteShutdownLayout.DOMAIN_ID_OFFSET, (short) others[rnd.nextInt(others.length)]);
            mem.setInt(a + SchedRemoteShutdownLayout.REASON_OFFSET, rnd.nextInt(5));
            mustFail(call(op, cmd, a, 0, 0, 0), "remote_shutdown of another domain");
        } else {
            call(op, cmd, p, 0, 0, 0);
        }
    }

    void mustFail(long rc, String what) {
        stats.forbiddenAttempts++;
        if (rc >= 0 && rc != Long.MIN_VALUE) {
            stats.violation(what + " succeeded: " + rc);
        }
    }

    /** Calls that name another domain's ports, tables or grants: every one must fail. */
    private void aimed() {
        int victim = others[rnd.nextInt(others.length)];
        long ev = HypercallOp.EVENT_CHANNEL_OP.number();
        long gt = HypercallOp.GRANT_TABLE_OP.number();
        long a = argSlot(64);
        fill(a, 64);
        switch (rnd.nextInt(10)) {
            case 0 -> {
                int remotePort = port();
                mem.setShort(a + EvtchnBindInterdomainLayout.REMOTE_DOM_OFFSET, (short) victim);
                mem.setInt(a + EvtchnBindInterdomainLayout.REMOTE_PORT_OFFSET, remotePort);
                // a port of domain 0 whose channel to this domain it closed itself is unbound and offered back
                // to it (Xen's evtchn_close): binding that one is legitimate
                boolean mayBind = offered.offeredTo(victim, remotePort, self);
                long rc = call(ev, EvtchnOp.BIND_INTERDOMAIN.code(), a, 0, 0, 0);
                if (!mayBind) {
                    mustFail(rc, "bind_interdomain to port " + remotePort + " of domain " + victim);
                }
            }
            case 1 -> {
                mem.setShort(a + EvtchnAllocUnboundLayout.DOM_OFFSET, (short) victim);
                mem.setShort(a + EvtchnAllocUnboundLayout.REMOTE_DOM_OFFSET, (short) domid());
                mustFail(call(ev, EvtchnOp.ALLOC_UNBOUND.code(), a, 0, 0, 0), "alloc_unbound in domain " + victim);
            }
            case 2 -> {
                mem.setShort(a + EvtchnResetLayout.DOM_OFFSET, (short) victim);
                mustFail(call(ev, EvtchnOp.RESET.code(), a, 0, 0, 0), "reset of domain " + victim);
            }
            case 3 -> {
                mem.setShort(a + EvtchnStatusLayout.DOM_OFFSET, (short) victim);
                mem.setInt(a + EvtchnStatusLayout.PORT_OFFSET, port());
                call(ev, EvtchnOp.STATUS.code(), a, 0, 0, 0);
            }
            case 4, 5 -> grants.mapForeign(victim);
            case 6 -> grants.copyForeign(victim);
            case 7 -> {
                int[] ops = {GrantTableOp.SETUP_TABLE.code(), GrantTableOp.QUERY_SIZE.code(), GrantTableOp.DUMP_TABLE.code(),
                    GrantTableOp.TRANSFER.code(), GrantTableOp.UNMAP_GRANT_REF.code(), GrantTableOp.SWAP_GRANT_REF.code(),
                    GrantTableOp.GET_STATUS_FRAMES.code(), GrantTableOp.UNMAP_AND_REPLACE.code()};
                int cmd = ops[rnd.nextInt(ops.length)];
                mem.setShort(a + GnttabSetupTableLayout.DOM_OFFSET, (short) victim);
                if (cmd == GrantTableOp.SETUP_TABLE.code()) {
                    mem.setInt(a + GnttabSetupTableLayout.NR_FRAMES_OFFSET, (int) count());
                    mem.setLong(a + GnttabSetupTableLayout.FRAME_LIST_OFFSET, pointerValue());
                } else if (cmd == GrantTableOp.QUERY_SIZE.code()) {
                    mem.setShort(a + GnttabQuerySizeLayout.DOM_OFFSET, (short) victim);
                } else if (cmd == GrantTableOp.UNMAP_GRANT_REF.code()) {
                    mem.setInt(a + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, rnd.nextInt(1100) - 10);
                }
                call(gt, cmd, a, rnd.nextInt(8) == 0 ? count() : 1 + rnd.nextInt(3), 0, 0);
            }
            case 8 -> {
                mem.setShort(a + XenHvmParamLayout.DOMID_OFFSET, (short) victim);
                mem.setInt(a + XenHvmParamLayout.INDEX_OFFSET, rnd.nextInt(40));
                int cmd = rnd.nextBoolean() ? HvmOp.GET_PARAM : HvmOp.SET_PARAM;
                mustFail(call(HypercallOp.HVM_OP.number(), cmd, a, 0, 0, 0), "hvm param of domain " + victim);
            }
            default -> {
                mem.setShort(a + XenAddToPhysmapLayout.DOMID_OFFSET, (short) victim);
                mustFail(call(HypercallOp.MEMORY_OP.number(), XenMemOp.ADD_TO_PHYSMAP, a, 0, 0, 0),
                        "add_to_physmap of domain " + victim);
            }
        }
    }

    /** A multicall of up to 8 entries (never sched_op), sometimes at a bad address or with a huge count. */
    private void multicall() {
        long base = GuestMemory.gpaOf(multicallFrame);
        int n = rnd.nextInt(9);
        long size = MulticallEntryLayout.SIZE;
        for (int i = 0; i < n; i++) {
            long e = base + i * size;
            long op;
            do {
                op = rnd.nextInt(6) == 0 ? rnd.nextInt(64) : KNOWN_OPS[rnd.nextInt(KNOWN_OPS.length)];
            } while (op == HypercallOp.SCHED_OP.number() || op == HypercallOp.CONSOLE_IO.number());
            mem.setLong(e + MulticallEntryLayout.OP_OFFSET, op);
            mem.setLong(e + MulticallEntryLayout.RESULT_OFFSET, 0x5A5A5A5AL);
            long cmd = cmdFor(op);
            long p = argSlot(64);
            fill(p, 64);
            if (op == HypercallOp.EVENT_CHANNEL_OP.number()) {
                protectOwnPorts(cmd, p);
            }
            mem.setLong(e + MulticallEntryLayout.ARGS_OFFSET, cmd);
            mem.setLong(e + MulticallEntryLayout.ARGS_OFFSET + 8, p);
            mem.setLong(e + MulticallEntryLayout.ARGS_OFFSET + 16, rnd.nextInt(4));
            for (int k = 3; k < 6; k++) {
                mem.setLong(e + MulticallEntryLayout.ARGS_OFFSET + 8L * k, rnd.nextLong());
            }
        }
        long ptr = base;
        long nr = n;
        switch (rnd.nextInt(8)) {
            case 0 -> nr = 0xFFFF_FFFFL;                          // runs off the frame into garbage-free zeroed frames
            case 1 -> ptr = end - size / 2;                         // across the end of memory
            case 2 -> ptr = -size;
            default -> { }
        }
        if (nr == 0xFFFF_FFFFL) {
            // keep the walk inside known frames: the entries after ours are zero (op 0, set_trap_table: ENOSYS)
            mem.setLong(base + n * size + MulticallEntryLayout.OP_OFFSET, 0);
            ptr = end - size * (1 + rnd.nextInt(3));
        }
        call(HypercallOp.MULTICALL.number(), ptr, nr, 0, 0, 0);
    }

    /** Sends and other sub-ops on its own ports, bound and not (its device ports included). */
    private void ownPorts() {
        long ev = HypercallOp.EVENT_CHANNEL_OP.number();
        long a = argSlot(16);
        int port = rnd.nextInt(3) == 0 ? protectedPorts[rnd.nextInt(protectedPorts.length)] : port();
        mem.setInt(a, port);
        int k = rnd.nextInt(13);
        long cmd = k < 6 ? EvtchnOp.SEND.code() : k < 8 ? EvtchnOp.UNMASK.code() : k == 8 ? EvtchnOp.ALLOC_UNBOUND.code()
                : k == 9 ? EvtchnOp.BIND_IPI.code() : k == 10 ? EvtchnOp.BIND_VIRQ.code() : EvtchnOp.CLOSE.code();
        if (cmd == EvtchnOp.CLOSE.code()) {
            mem.setInt(a, 1 + rnd.nextInt(200)); // churn: ports come free for the binds above
            protectOwnPorts(cmd, a);
        } else if (cmd == EvtchnOp.BIND_VIRQ.code()) {
            mem.setInt(a, rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(32));
            mem.setInt(a + 4, rnd.nextInt(3) - 1);
        } else if (cmd == EvtchnOp.ALLOC_UNBOUND.code()) {
            mem.setShort(a, (short) DomId.SELF);
            mem.setShort(a + 2, (short) domid());
        } else if (cmd == EvtchnOp.BIND_IPI.code()) {
            mem.setInt(a, rnd.nextInt(3) - 1);
        }
        call(ev, cmd, a, 0, 0, 0);
    }

    void kick(int port) {
        long a = argSlot(8);
        mem.setInt(a, port);
        call(HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(), a, 0, 0, 0);
    }

}
