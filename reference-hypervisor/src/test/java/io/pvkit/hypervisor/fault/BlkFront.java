package io.pvkit.hypervisor.fault;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedFrontRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A minimal blkfront run by a test guest on its own vCPU: its grant table (pv-grant's
 * {@link GuestGrantTable} over its memory), its xenstore ring ({@link WireClient.Ring}), one queue with a
 * one-page ring (pv-rings' {@link SharedFrontRing}) and no persistent grants, so that domain 0 moves data by
 * grant copy and holds no mapping of its data pages. Responses are polled (a short park between polls).
 */
final class BlkFront {
    /** The blkif ring: 112-byte slots. */
    static final RingType BLKIF = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));
    /** The first disk's device id ({@code xvda}). */
    static final int XVDA = 51712;

    final GuestMemory mem;
    final GuestHypercalls hc;
    final GuestGrantTable table;
    /** The grant table's frames (from {@code setup_table}). */
    final long[] tableFrames = new long[4];
    final WireClient.Ring xs;
    final int storePort;
    final String fe;
    final String be;
    SharedFrontRing ring;
    int port;
    long ringGfn = -1;

    BlkFront(GuestMemory mem, GuestHypercalls hc, long startInfoGpa, int devid) {
        this.mem = mem;
        this.hc = hc;
        check(hc.setupTable(tableFrames), "setup_table");
        table = new GuestGrantTable(mem, tableFrames);
        long storeGpa = GuestMemory.gpaOf(mem.getLong(startInfoGpa + StartInfoLayout.STORE_MFN_OFFSET));
        storePort = mem.getInt(startInfoGpa + StartInfoLayout.STORE_EVTCHN_OFFSET);
        xs = new WireClient.Ring(GuestMemory.wrap(mem.segment().asSlice(storeGpa, GuestMemory.PAGE_SIZE)), () -> {
            hc.send(storePort);
            LockSupport.parkNanos(20_000);
        });
        String domid = read("domid");
        fe = "/local/domain/" + domid + "/device/vbd/" + devid;
        be = read(fe + "/backend");
        if (be == null) {
            throw new IllegalStateException("no vbd " + devid + " for domain " + domid);
        }
    }

    static void check(long rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed: " + rc);
        }
    }

    String read(String path) {
        WireClient.Frame f = xs.call(XsdSockmsgType.READ, 0, path + "\0");
        return f.isError() ? null : f.text();
    }

    void write(String path, String value) {
        xs.ok(XsdSockmsgType.WRITE, 0, path + "\0" + value);
    }

    static void await(String what, BooleanSupplier condition) {
        long until = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Grants a page to domain 0 read-write. */
    int grant(long gfn) {
        int ref = table.grantAccess(0, gfn, false);
        if (ref < 0) {
            throw new IllegalStateException("grant table full");
        }
        return ref;
    }

    /** Connects one queue whose ring is frame {@code ringFrame}; returns when the backend is Connected. */
    void connect(long ringFrame) {
        await("backend InitWait of " + be, () -> "2".equals(read(be + "/state")));
        ringGfn = ringFrame;
        MemorySegment area = mem.segment().asSlice(GuestMemory.gpaOf(ringGfn), GuestMemory.PAGE_SIZE);
        ring = SharedFrontRing.initialise(GuestMemory.wrap(area), BLKIF);
        long p = hc.allocUnbound(0);
        if (p <= 0) {
            throw new IllegalStateException("alloc_unbound: " + p);
        }
        port = (int) p;
        write(fe + "/ring-ref", Integer.toString(grant(ringGfn)));
        write(fe + "/event-channel", Integer.toString(port));
        write(fe + "/protocol", "x86_64-abi");
        write(fe + "/feature-persistent", "0");
        write(fe + "/state", "3");
        await("backend Connected of " + be, () -> "4".equals(read(be + "/state")));
        write(fe + "/state", "4");
    }

    /** A one-page READ or WRITE of 8 sectors at {@code sector} through grant {@code gref}. */
    static MemorySegment request(BlkifOp op, long sector, int gref) {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) op.code());
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) 1);
        r.set(ValueLayout.JAVA_LONG, BlkifRequestLayout.SECTOR_NUMBER_OFFSET, sector);
        long s = BlkifRequestLayout.SEG_OFFSET;
        r.set(ValueLayout.JAVA_INT, s + BlkifRequestSegmentLayout.GREF_OFFSET, gref);
        r.set(ValueLayout.JAVA_BYTE, s + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) 0);
        r.set(ValueLayout.JAVA_BYTE, s + BlkifRequestSegmentLayout.LAST_SECT_OFFSET, (byte) 7);
        return r;
    }

    /**
     * Submits the requests, notifies, and waits for every response.
     *
     * @return the statuses in response order, their ids in {@code ids}
     */
    short[] submit(MemorySegment[] requests, long[] ids) {
        short[] status = new short[requests.length];
        int put = 0;
        int[] got = {0};
        long until = System.nanoTime() + 20_000_000_000L;
        while (got[0] < requests.length) {
            while (put < requests.length && ring.putRequest(requests[put]) != SharedFrontRing.RING_FULL) {
                put++;
            }
            if (ring.pushRequests()) {
                hc.send(port);
            }
            int n = ring.pollResponses((id, rsp) -> {
                ids[got[0]] = rsp.get(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET);
                status[got[0]++] = rsp.get(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET);
            }, Integer.MAX_VALUE);
            if (n == 0) {
                if (System.nanoTime() - until > 0) {
                    throw new IllegalStateException("block responses missing: " + got[0] + " of " + requests.length
                            + " (ring " + ring.state() + ")");
                }
                LockSupport.parkNanos(20_000);
            }
        }
        return status;
    }
}
