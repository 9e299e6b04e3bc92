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
import io.pvkit.abi.hypercall.MulticallEntryLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedPollLayout;
import io.pvkit.abi.platform.SchedRemoteShutdownLayout;
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
 * random and adversarial hypercalls as fast as it can (one vCPU), from one seed:
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
    static final long ARG_FIRST = 1;
    static final long ARG_FRAMES = 6;
    static final long MULTICALL_FRAME = 7;
    static final long RING_FRAME = 8;
    static final int FRAMES = 32;

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
    final CountDownLatch ready = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);
    /** When the current hypercall started ({@code System.nanoTime()}), 0 between calls. */
    volatile long callStartNanos;
    volatile long currentOp;
    volatile long currentCmd;
    volatile long currentArg;
    volatile long finishedNanos;
    volatile long startedNanos;

    private SplittableRandom rnd;
    private MiniGuest g;
    private GuestMemory mem;
    private long end;
    private int self;
    private BlkFront blk;
    private int[] protectedPorts;
    private boolean late;
    private long sharedInfoGpa;
    private long consoleGpa;
    private long storeGpa;
    private long grantGpa;
    private final int[] handles = new int[16];
    private final long[] handleAddrs = new long[16];

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
        g = MiniGuest.boot(start);
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
        for (long f = ARG_FIRST; f < ARG_FIRST + ARG_FRAMES; f++) {
            for (long o = 0; o < GuestMemory.PAGE_SIZE; o += 8) {
                mem.setLong(GuestMemory.gpaOf(f) + o, rnd.nextLong());
            }
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
            step();
        }
        finishedNanos = System.nanoTime();
        g.shutdown(ShutdownReason.POWEROFF);
    }

    // ----------------------------------------------------------------------------------- the one edge

    private long call(long op, long a1, long a2, long a3, long a4, long a5) {
        currentOp = op;
        currentCmd = a1;
        currentArg = a2;
        callStartNanos = System.nanoTime();
        long r;
        try {
            r = g.hc.call(op, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            callStartNanos = 0;
            stats.escape(op, a1, t);
            return Long.MIN_VALUE;
        }
        callStartNanos = 0;
        stats.count(op, a1, r);
        return r;
    }

    // ------------------------------------------------------------------------------------- choices

    private void step() {
        int k = rnd.nextInt(100);
        if (k < 45) {
            generic();
        } else if (k < 50) {
            ownGrants();
        } else if (k < 80) {
            aimed();
        } else if (k < 85) {
            multicall();
        } else if (k < 95) {
            ownPorts();
        } else {
            ringGarbage();
        }
    }

    /** An address in the argument area, 8-aligned, with room for {@code size} bytes in the frame range. */
    private long argSlot(int size) {
        long base = GuestMemory.gpaOf(ARG_FIRST);
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
            case 15 -> GuestMemory.gpaOf(ARG_FIRST + 1) - 1 - rnd.nextInt(8); // across a page boundary
            case 16 -> sharedInfoGpa + rnd.nextInt(4096);              // its own special pages
            // anywhere in its memory; its console, xenstore and grant pages only in the last 2% (outputs written
            // there break its own rings early and would leave the ring fuzzing nothing to work on)
            case 17 -> late ? rnd.nextLong(end) : rnd.nextLong(consoleGpa);
            default -> {
                long p = argSlot(structSize);
                fill(p, structSize);
                yield p;
            }
        };
    }

    /** Random bytes with edge values sprinkled at aligned offsets; the first field is often a small number. */
    private void fill(long p, int size) {
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

    private int domid() {
        int k = rnd.nextInt(10);
        if (k < 5) {
            return others[rnd.nextInt(others.length)];
        }
        if (k < 7) {
            return rnd.nextBoolean() ? self : DomId.SELF;
        }
        return SPECIAL_DOMIDS[rnd.nextInt(SPECIAL_DOMIDS.length)];
    }

    private int port() {
        return switch (rnd.nextInt(6)) {
            case 0 -> -1;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> 4095 + rnd.nextInt(3);
            case 3 -> rnd.nextInt();
            default -> rnd.nextInt(72);
        };
    }

    private int ref() {
        return switch (rnd.nextInt(7)) {
            case 0 -> rnd.nextInt(2);            // the reserved console and xenstore grants
            case 1 -> 2047 + rnd.nextInt(3);     // the end of a 4-frame table
            case 2 -> -1;
            case 3 -> rnd.nextInt();
            default -> rnd.nextInt(40);          // where data grants are
        };
    }

    private long count() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0xFFFF_FFFFL;
            case 1 -> 1L << 31;
            case 2 -> (1L << 31) - 1;
            case 3 -> -1L;
            case 4 -> rnd.nextLong();
            default -> rnd.nextInt(20);
        };
    }

    private long pointerValue() {
        return switch (rnd.nextInt(4)) {
            case 0 -> argSlot(64);
            case 1 -> end - rnd.nextInt(16);
            case 2 -> rnd.nextLong();
            default -> late ? rnd.nextLong(end) : rnd.nextLong(consoleGpa);
        };
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
            mem.setByte(sharedInfoGpa + SharedInfoLayout.vcpuInfoOffset(0) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, (byte) 1);
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

    private void mustFail(long rc, String what) {
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
            case 4, 5 -> mapForeign(a, victim);
            case 6 -> copyForeign(a, victim);
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

    private void mapForeign(long a, int victim) {
        int n = 1 + rnd.nextInt(4);
        long size = GnttabMapGrantRefLayout.SIZE;
        long base = argSlot((int) (size * n));
        for (int i = 0; i < n; i++) {
            long e = base + i * size;
            mem.setLong(e + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, rnd.nextBoolean() ? 0x10_0000L * (i + 1) : rnd.nextLong());
            int flags = switch (rnd.nextInt(4)) {
                case 0 -> GntMap.HOST_MAP;
                case 1 -> GntMap.HOST_MAP | GntMap.READONLY;
                case 2 -> GntMap.DEVICE_MAP | GntMap.HOST_MAP;
                default -> rnd.nextInt();
            };
            mem.setInt(e + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
            mem.setInt(e + GnttabMapGrantRefLayout.REF_OFFSET, ref());
            mem.setShort(e + GnttabMapGrantRefLayout.DOM_OFFSET, (short) victim);
            mem.setShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x5A5A);
        }
        long rc = call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.MAP_GRANT_REF.code(), base, n, 0, 0);
        stats.forbiddenAttempts += n;
        if (rc == 0) {
            for (int i = 0; i < n; i++) {
                long e = base + i * size;
                short status = mem.getShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET);
                if (status >= 0) {
                    stats.violation("map_grant_ref of domain " + victim + " ref "
                            + mem.getInt(e + GnttabMapGrantRefLayout.REF_OFFSET) + " gave status " + status);
                }
            }
        }
    }

    private void copyForeign(long a, int victim) {
        long size = GnttabCopyLayout.SIZE;
        long e = argSlot((int) size);
        fill(e, (int) size);
        boolean sourceForeign = rnd.nextBoolean();
        long foreign = sourceForeign ? GnttabCopyLayout.SOURCE_OFFSET : GnttabCopyLayout.DEST_OFFSET;
        long own = sourceForeign ? GnttabCopyLayout.DEST_OFFSET : GnttabCopyLayout.SOURCE_OFFSET;
        boolean byRef = rnd.nextInt(3) != 0;
        long foreignU = foreign + GnttabCopyLayout.PTR_U_OFFSET;
        if (byRef) {
            mem.setInt(e + foreignU, ref());
        } else {
            mem.setLong(e + foreignU, rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(40)); // a gmfn of the victim
        }
        mem.setShort(e + foreign + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) victim);
        mem.setShort(e + foreign + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) (rnd.nextBoolean() ? 0 : rnd.nextInt(4200)));
        mem.setLong(e + own + GnttabCopyLayout.PTR_U_OFFSET, ARG_FIRST + rnd.nextInt((int) ARG_FRAMES));
        mem.setShort(e + own + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
        mem.setShort(e + own + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) 0);
        int len = rnd.nextBoolean() ? 8 : rnd.nextInt(4200);
        mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) len);
        int flags = (byRef ? (sourceForeign ? GntCopy.SOURCE_GREF : GntCopy.DEST_GREF) : 0)
                | (rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0);
        mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) flags);
        mem.setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x5A5A);
        long rc = call(HypercallOp.GRANT_TABLE_OP.number(), GrantTableOp.COPY.code(), e, 1, 0, 0);
        stats.forbiddenAttempts++;
        short status = mem.getShort(e + GnttabCopyLayout.STATUS_OFFSET);
        if (rc == 0 && status >= 0 && len != 0) { // a zero-length copy succeeds touching nothing (Xen a4a790f432)
            stats.violation("grant copy of " + len + " bytes " + (sourceForeign ? "from" : "to") + " domain " + victim + " ("
                    + (byRef ? "ref" : "gmfn") + ", flags " + flags + ") gave status " + status);
        }
    }

    /**
     * Its own grant table as a hostile granter and mapper: entries rewritten at random (the ones domain 0
     * maps included: the console, xenstore and ring grants), maps of its own grants (kept, up to 16), unmaps
     * of kept and random handles, copies between its own grants, swaps, version and size queries.
     */
    private void ownGrants() {
        long gt = HypercallOp.GRANT_TABLE_OP.number();
        int r = rnd.nextInt(2048);
        switch (rnd.nextInt(7)) {
            case 0, 1 -> {
                int ref = rnd.nextInt(4) == 0 ? ref() & 2047 : r;
                long entry = grantGpa + ref * 8L;
                int flags = rnd.nextInt(3) == 0 ? rnd.nextInt(1 << 16)
                        : GrantFlags.PERMIT_ACCESS | (rnd.nextBoolean() ? GrantFlags.READONLY : 0);
                int dom = rnd.nextBoolean() ? self : domid();
                int frame = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt((int) (end / GuestMemory.PAGE_SIZE) + 4);
                mem.setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, frame);
                mem.setShort(entry + GrantEntryV1Layout.DOMID_OFFSET, (short) dom);
                java.lang.invoke.VarHandle.releaseFence();
                mem.setShort(entry + GrantEntryV1Layout.FLAGS_OFFSET, (short) flags);
                kick(blk.port);
            }
            case 2 -> {
                long e = argSlot((int) GnttabMapGrantRefLayout.SIZE);
                int slot = rnd.nextInt(handles.length);
                long host = 0x40_0000L + slot * GuestMemory.PAGE_SIZE;
                mem.setLong(e + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, host);
                mem.setInt(e + GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP | (rnd.nextBoolean() ? GntMap.READONLY : 0));
                mem.setInt(e + GnttabMapGrantRefLayout.REF_OFFSET, rnd.nextInt(48));
                mem.setShort(e + GnttabMapGrantRefLayout.DOM_OFFSET, (short) (rnd.nextBoolean() ? self : DomId.SELF));
                long rc = call(gt, GrantTableOp.MAP_GRANT_REF.code(), e, 1, 0, 0);
                if (rc == 0 && mem.getShort(e + GnttabMapGrantRefLayout.STATUS_OFFSET) == 0 && handles[slot] < 0) {
                    handles[slot] = mem.getInt(e + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                    handleAddrs[slot] = host;
                }
            }
            case 3 -> {
                long e = argSlot((int) GnttabUnmapGrantRefLayout.SIZE);
                int slot = rnd.nextInt(handles.length);
                boolean kept = handles[slot] >= 0 && rnd.nextInt(4) != 0;
                mem.setInt(e + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, kept ? handles[slot] : rnd.nextInt(1100) - 10);
                mem.setLong(e + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, kept && rnd.nextInt(8) != 0 ? handleAddrs[slot] : rnd.nextLong());
                mem.setLong(e + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, 0);
                long rc = call(gt, GrantTableOp.UNMAP_GRANT_REF.code(), e, 1, 0, 0);
                if (kept && rc == 0 && mem.getShort(e + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == 0) {
                    handles[slot] = -1;
                }
            }
            case 4 -> {
                long e = argSlot((int) GnttabCopyLayout.SIZE);
                fill(e, (int) GnttabCopyLayout.SIZE);
                for (long side : new long[] {GnttabCopyLayout.SOURCE_OFFSET, GnttabCopyLayout.DEST_OFFSET}) {
                    boolean byRef = rnd.nextBoolean();
                    if (byRef) {
                        mem.setInt(e + side + GnttabCopyLayout.PTR_U_OFFSET, rnd.nextInt(48));
                    } else {
                        mem.setLong(e + side + GnttabCopyLayout.PTR_U_OFFSET, ARG_FIRST + rnd.nextInt((int) ARG_FRAMES));
                    }
                    mem.setShort(e + side + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) (byRef && rnd.nextBoolean() ? self : DomId.SELF));
                    mem.setShort(e + side + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) rnd.nextInt(4100));
                }
                mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) rnd.nextInt(4100));
                mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) rnd.nextInt(4));
                call(gt, GrantTableOp.COPY.code(), e, 1, 0, 0);
            }
            case 5 -> {
                long e = argSlot(16);
                mem.setInt(e, rnd.nextInt(60));
                mem.setInt(e + 4, rnd.nextInt(60));
                call(gt, GrantTableOp.SWAP_GRANT_REF.code(), e, 1 + rnd.nextInt(2), 0, 0);
            }
            default -> {
                long e = argSlot(16);
                mem.setInt(e, rnd.nextInt(4));
                mem.setShort(e, (short) DomId.SELF);
                int[] ops = {GrantTableOp.SET_VERSION.code(), GrantTableOp.GET_VERSION.code(), GrantTableOp.QUERY_SIZE.code()};
                call(gt, ops[rnd.nextInt(ops.length)], e, 1, 0, 0);
            }
        }
    }

    /** A multicall of up to 8 entries (never sched_op), sometimes at a bad address or with a huge count. */
    private void multicall() {
        long base = GuestMemory.gpaOf(MULTICALL_FRAME);
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

    /** Garbage on one of its rings, then a kick. */
    private void ringGarbage() {
        stats.ringWrites++;
        switch (rnd.nextInt(3)) {
            case 0 -> consoleGarbage();
            case 1 -> xenstoreGarbage();
            default -> blkifGarbage();
        }
    }

    private void kick(int port) {
        long a = argSlot(8);
        mem.setInt(a, port);
        call(HypercallOp.EVENT_CHANNEL_OP.number(), EvtchnOp.SEND.code(), a, 0, 0, 0);
    }

    private void consoleGarbage() {
        long out = consoleGpa + XenconsInterfaceLayout.OUT_OFFSET;
        int prod = mem.getInt(consoleGpa + XenconsInterfaceLayout.OUT_PROD_OFFSET);
        int n = rnd.nextInt(48);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(4) == 0 ? '\n' : rnd.nextInt(256);
            mem.setByte(out + ((prod + i) & 2047), (byte) c);
        }
        int newProd = prod + n;
        if (late && rnd.nextInt(200) == 0) {
            newProd = rnd.nextInt(); // a corrupt index: breaks its own console only
        }
        mem.setIntRelease(consoleGpa + XenconsInterfaceLayout.OUT_PROD_OFFSET, newProd);
        if (rnd.nextInt(8) == 0) {
            mem.setInt(consoleGpa + XenconsInterfaceLayout.IN_CONS_OFFSET, rnd.nextInt());
        }
        kick(g.consolePort);
    }

    private void xenstoreGarbage() {
        // drop whatever replies came back, so that the server keeps reading requests
        mem.setIntRelease(storeGpa + XenstoreDomainInterfaceLayout.RSP_CONS_OFFSET,
                mem.getIntAcquire(storeGpa + XenstoreDomainInterfaceLayout.RSP_PROD_OFFSET));
        int cons = mem.getIntAcquire(storeGpa + XenstoreDomainInterfaceLayout.REQ_CONS_OFFSET);
        int prod = mem.getInt(storeGpa + XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET);
        String[] paths = {"/local/domain/" + others[rnd.nextInt(others.length)], "/local/domain/0/backend/vbd",
            "/local/domain/" + others[rnd.nextInt(others.length)] + "/device/vbd/51712/state", "@releaseDomain",
            "/local/domain/" + self + "/x", "/", "//", "/local/domain/" + others[rnd.nextInt(others.length)] + "/data/k1",
            "/tool/xenstored", "../../" + others[rnd.nextInt(others.length)]};
        String path = paths[rnd.nextInt(paths.length)];
        int type = rnd.nextInt(8) == 0 ? rnd.nextInt() : rnd.nextInt(32);
        boolean frontendWrite = rnd.nextInt(3) == 0;
        if (frontendWrite) {
            // its own frontends' nodes: the backends read these (state changes, ring references, ports, orders)
            String[] keys = {"state", "ring-ref", "event-channel", "ring-page-order", "multi-queue-num-queues", "protocol",
                "feature-persistent", "queue-0/ring-ref", "queue-0/event-channel", "queue-1/ring-ref", "ring-ref0",
                "ring-ref1"};
            String[] values = {"1", "2", "3", "4", "5", "6", "0", "-1", "4294967296", "99999999999", "x86_32-abi",
                "", Integer.toString(rnd.nextInt()), Integer.toString(rnd.nextInt(48)), Integer.toString(rnd.nextInt(64))};
            String dev = rnd.nextInt(4) == 0 ? "device/pvkit-echo/0/" : "device/vbd/51712/";
            path = "/local/domain/" + self + "/" + dev + keys[rnd.nextInt(keys.length)] + "\0"
                    + values[rnd.nextInt(values.length)];
            type = 11; // XS_WRITE
        }
        byte[] body = frontendWrite ? path.getBytes(StandardCharsets.ISO_8859_1) : switch (rnd.nextInt(4)) {
            case 0 -> (path + "\0").getBytes(StandardCharsets.ISO_8859_1);
            case 1 -> (path + "\0v" + rnd.nextInt()).getBytes(StandardCharsets.ISO_8859_1);
            case 2 -> (path + "\0" + "b" + others[rnd.nextInt(others.length)] + "\0").getBytes(StandardCharsets.ISO_8859_1);
            default -> {
                byte[] b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
                yield b;
            }
        };
        int len = body.length;
        if (late && rnd.nextInt(100) == 0) {
            len = 4097 + rnd.nextInt(1 << 20); // too long: the server stops this ring
        }
        int frame = 16 + body.length;
        if (1024 - (prod - cons) < frame || prod - cons < 0 || prod - cons > 1024) {
            kick(blk.storePort);
            return;
        }
        byte[] raw = new byte[frame];
        MemorySegment f = MemorySegment.ofArray(raw);
        f.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0, type);
        f.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 4, rnd.nextInt());
        f.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 8, rnd.nextInt(4) == 0 ? rnd.nextInt() : 0);
        f.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 12, len);
        System.arraycopy(body, 0, raw, 16, body.length);
        long req = storeGpa + XenstoreDomainInterfaceLayout.REQ_OFFSET;
        for (int i = 0; i < frame; i++) {
            mem.setByte(req + ((prod + i) & 1023), raw[i]);
        }
        int newProd = prod + frame;
        if (late && rnd.nextInt(500) == 0) {
            newProd = rnd.nextInt();
        }
        mem.setIntRelease(storeGpa + XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET, newProd);
        kick(blk.storePort);
    }

    private void blkifGarbage() {
        long ring = GuestMemory.gpaOf(RING_FRAME);
        int prod = mem.getInt(ring + SharedRingLayout.REQ_PROD_OFFSET);
        int rsp = mem.getIntAcquire(ring + SharedRingLayout.RSP_PROD_OFFSET);
        int n = prod - rsp >= 0 && prod - rsp < 16 ? 1 + rnd.nextInt(3) : 0;
        for (int i = 0; i < n; i++) {
            long slot = ring + SharedRingLayout.HEADER_SIZE + ((prod + i) & 31) * 112L;
            for (int o = 0; o < 112; o += 8) {
                mem.setLong(slot + o, rnd.nextLong());
            }
            int[] ops = {BlkifOp.READ.code(), BlkifOp.WRITE.code(), BlkifOp.INDIRECT.code(), BlkifOp.DISCARD.code(),
                BlkifOp.FLUSH_DISKCACHE.code(), rnd.nextInt(256)};
            mem.setByte(slot, (byte) ops[rnd.nextInt(ops.length)]);
            if (rnd.nextBoolean()) {
                mem.setByte(slot + 1, (byte) rnd.nextInt(13));
                mem.setLong(slot + 16, rnd.nextBoolean() ? rnd.nextInt(2048) : rnd.nextLong());
                for (int s = 0; s < 11; s++) {
                    long seg = slot + 24 + s * 8L;
                    mem.setInt(seg, ref());
                    mem.setByte(seg + 4, (byte) rnd.nextInt(9));
                    mem.setByte(seg + 5, (byte) rnd.nextInt(9));
                }
            }
        }
        int newProd = prod + n;
        if (late && rnd.nextInt(300) == 0) {
            newProd = prod + 33 + rnd.nextInt(1 << 30); // an overflowing producer: breaks its own ring
        }
        mem.setIntRelease(ring + SharedRingLayout.REQ_PROD_OFFSET, newProd);
        if (rnd.nextInt(4) == 0) {
            mem.setInt(ring + SharedRingLayout.REQ_EVENT_OFFSET, rnd.nextInt());
        }
        kick(blk.port);
    }
}
