package io.pvkit.conformance.blk;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.conformance.hostile.ScriptedPeer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One blkif ring the kit's frontend owns: {@code 2^order} contiguous frames of the frontend domain, initialised
 * as {@code SHARED_RING_INIT} does, granted read-write to the backend, with an unbound event channel for the
 * backend. Requests are written raw through the {@code blkif_request} layouts, so the kit can write anything a
 * hostile frontend would (a lying {@code nr_segments}, an unknown operation, a producer index past the ring);
 * every such write is a step of the {@link ScriptedPeer} transcript.
 */
final class FrontendRing extends ScriptedPeer {
    /** The slot size of the blkif ring: the request/response union, 112 bytes on x86_64. */
    static final int SLOT = (int) BlkifRequestLayout.SIZE;

    /** One segment of a request: a grant reference and an inclusive sector range within its page. */
    record Seg(int gref, int first, int last) {
        int sectors() {
            return last - first + 1;
        }
    }

    /** One response as read from the ring (copied once). */
    record Response(long id, int operation, int status, int padding1, int padding4) {
        boolean paddingZero() {
            return padding1 == 0 && padding4 == 0;
        }
    }

    private final FrontendGuest guest;
    final int order;
    final long base;
    final int size;
    final int[] refs;
    final int port;
    private int reqProdPvt;
    private int rspCons;

    FrontendRing(FrontendGuest guest, int backendDomid, int order) {
        super("scripted blkif frontend (ring order " + order + ")", guest.mem);
        this.guest = guest;
        this.order = order;
        int pages = 1 << order;
        long first = guest.allocFrames(pages);
        this.base = GuestMemory.gpaOf(first);
        this.size = SharedRingLayout.ringSize((long) pages * GuestMemory.PAGE_SIZE, SLOT);
        // SHARED_RING_INIT: indices 0, event indices 1
        guest.mem.setInt(base + SharedRingLayout.REQ_EVENT_OFFSET, 1);
        guest.mem.setInt(base + SharedRingLayout.RSP_EVENT_OFFSET, 1);
        this.refs = new int[pages];
        for (int i = 0; i < pages; i++) {
            refs[i] = guest.grant(backendDomid, first + i, false);
        }
        this.port = guest.allocUnbound(backendDomid);
    }

    long slot(int index) {
        return base + SharedRingLayout.HEADER_SIZE + (long) (index & (size - 1)) * SLOT;
    }

    int freeSlots() {
        return size - (reqProdPvt - rspCons);
    }

    /** Writes a direct request into the next private slot (zeroed first); {@code nseg} may lie. */
    void putDirect(int operation, int nseg, long id, long sector, Seg... segs) {
        long s = slot(reqProdPvt);
        int index = reqProdPvt++;
        step("slot " + index + ": op " + operation + ", nr_segments " + nseg + ", id 0x" + Long.toHexString(id)
                + ", sector " + sector + ", " + segs.length + " segment(s) " + List.of(segs), m -> {
                    m.fill(s, SLOT, (byte) 0);
                    setField(BlkifRequestLayout.LAYOUT, s, "operation", operation);
                    setField(BlkifRequestLayout.LAYOUT, s, "nr_segments", nseg);
                    setField(BlkifRequestLayout.LAYOUT, s, "handle", 0);
                    setField(BlkifRequestLayout.LAYOUT, s, "id", id);
                    setField(BlkifRequestLayout.LAYOUT, s, "sector_number", sector);
                    for (int i = 0; i < segs.length && i < BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST; i++) {
                        long e = s + BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE;
                        setField(BlkifRequestSegmentLayout.LAYOUT, e, "gref", segs[i].gref());
                        setField(BlkifRequestSegmentLayout.LAYOUT, e, "first_sect", segs[i].first());
                        setField(BlkifRequestSegmentLayout.LAYOUT, e, "last_sect", segs[i].last());
                    }
                });
        runAll();
    }

    /** Writes an indirect request into the next private slot; {@code nseg} and the grefs may lie. */
    void putIndirect(int indirectOp, int nseg, long id, long sector, int... indirectGrefs) {
        long s = slot(reqProdPvt);
        int index = reqProdPvt++;
        step("slot " + index + ": INDIRECT op " + indirectOp + ", nr_segments " + nseg + ", id 0x"
                + Long.toHexString(id) + ", sector " + sector + ", indirect pages " + java.util.Arrays.toString(indirectGrefs),
                m -> {
                    m.fill(s, SLOT, (byte) 0);
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "operation", BlkifOp.INDIRECT.code());
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "indirect_op", indirectOp);
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "nr_segments", nseg);
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "id", id);
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "sector_number", sector);
                    setField(BlkifRequestIndirectLayout.LAYOUT, s, "handle", 0);
                    for (int i = 0; i < indirectGrefs.length && i < BlkifRequestIndirectLayout.MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
                        m.setInt(s + BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET + 4L * i, indirectGrefs[i]);
                    }
                });
        runAll();
    }

    /** Writes a discard request into the next private slot. */
    void putDiscard(long id, long sector, long nrSectors) {
        long s = slot(reqProdPvt);
        int index = reqProdPvt++;
        step("slot " + index + ": DISCARD id 0x" + Long.toHexString(id) + ", sector " + Long.toUnsignedString(sector)
                + ", nr_sectors " + Long.toUnsignedString(nrSectors), m -> {
                    m.fill(s, SLOT, (byte) 0);
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "operation", BlkifOp.DISCARD.code());
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "flag", 0);
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "handle", 0);
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "id", id);
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "sector_number", sector);
                    setField(BlkifRequestDiscardLayout.LAYOUT, s, "nr_sectors", nrSectors);
                });
        runAll();
    }

    /** Publishes the private requests (release) and notifies the backend. */
    void push() {
        int value = reqProdPvt;
        step("req_prod = " + value + ", notify port " + port,
                m -> publishIndex(SharedRingLayout.LAYOUT, base, "req_prod", value));
        runAll();
        guest.send(port);
    }

    /** The hostile publication: any req_prod, then a notification. */
    void publishRaw(int reqProd) {
        step("req_prod = " + Integer.toUnsignedString(reqProd) + " (hostile), notify port " + port,
                m -> publishIndex(SharedRingLayout.LAYOUT, base, "req_prod", reqProd));
        runAll();
        guest.send(port);
    }

    int rspProd() {
        // ORDERING: acquire; pairs with the backend's release of rsp_prod (the responses before it are visible)
        return guest.mem.getIntAcquire(base + SharedRingLayout.RSP_PROD_OFFSET);
    }

    /** Responses the backend produced beyond what the kit consumed, without consuming them. */
    int unconsumed() {
        return rspProd() - rspCons;
    }

    /**
     * Waits (bounded) for {@code n} responses and consumes them, copying each once.
     *
     * @throws AssertionError when fewer arrive in time
     */
    List<Response> await(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (rspProd() - rspCons < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for " + n + " response(s), got "
                        + (rspProd() - rspCons) + " (req_prod " + reqProdPvt + ", rsp_prod " + rspProd()
                        + ", rsp_cons " + rspCons + "); frontend transcript: " + lastSteps(20));
            }
            Thread.onSpinWait();
            if (rspProd() - rspCons < n) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }
        List<Response> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long s = slot(rspCons++);
            GuestMemory m = guest.mem;
            out.add(new Response(m.getLong(s + BlkifResponseLayout.ID_OFFSET),
                    Byte.toUnsignedInt(m.getByte(s + BlkifResponseLayout.OPERATION_OFFSET)),
                    m.getShort(s + BlkifResponseLayout.STATUS_OFFSET),
                    m.getByte(s + BlkifResponseLayout.OPERATION_OFFSET + 1),
                    m.getInt(s + BlkifResponseLayout.STATUS_OFFSET + 2)));
        }
        return out;
    }

    /** The transcript's header and its last {@code n} steps (a long test writes a thousand slots). */
    private String lastSteps(int n) {
        String[] lines = transcript().split("\n");
        if (lines.length <= n + 1) {
            return String.join("\n", lines);
        }
        return lines[0] + "\n  ... " + (lines.length - 1 - n) + " earlier steps ...\n"
                + String.join("\n", java.util.Arrays.copyOfRange(lines, lines.length - n, lines.length));
    }

    /** Waits for one response. */
    Response awaitOne(Duration timeout) {
        return await(1, timeout).getFirst();
    }
}
