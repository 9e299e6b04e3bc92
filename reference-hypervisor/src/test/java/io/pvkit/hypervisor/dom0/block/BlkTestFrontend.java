package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import io.pvkit.rings.SharedFrontRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A blkfront driven by the test as the guest: its own hypercalls, its own grant table written directly
 * (pv-grant's {@link GuestGrantTable} over the guest's memory), its xenstore ring ({@link WireClient.Ring}),
 * and pv-rings' {@link SharedFrontRing} over 2^order contiguous guest frames per queue.
 */
final class BlkTestFrontend {
    /** A response as the guest saw it: the ring's id, the fields, and the 16 raw bytes. */
    record Response(int ringId, long id, int op, int status, byte[] raw) {
    }

    /** One direct or indirect segment. */
    record Seg(int gref, int first, int last) {
    }

    /** One queue of the device. */
    static final class Queue {
        SharedFrontRing ring;
        int port;
        long ringGfn;
        int pages;
    }

    final Domain d;
    final GuestHypercalls hc;
    final GuestGrantTable table;
    final WireClient.Ring xs;
    final GuestMemory mem;
    final String fe;
    final String be;
    final List<Queue> queues = new ArrayList<>();
    private long nextFrame = 1; // frame 0: the hypercall scratch page

    BlkTestFrontend(Hypervisor hv, Domain d, int devid) {
        this.d = d;
        this.mem = d.memory();
        hc = new GuestHypercalls(hv.dispatcher(), d.context(0), 0, GuestMemory.PAGE_SIZE);
        long[] frames = new long[4];
        assertEquals(0, hc.setupTable(frames));
        table = new GuestGrantTable(mem, frames);
        long si = d.startInfoAddress();
        long storeGpa = GuestMemory.gpaOf(mem.getLong(si + StartInfoLayout.STORE_MFN_OFFSET));
        int storePort = mem.getInt(si + StartInfoLayout.STORE_EVTCHN_OFFSET);
        xs = new WireClient.Ring(GuestMemory.wrap(mem.segment().asSlice(storeGpa, GuestMemory.PAGE_SIZE)), () -> {
            hc.send(storePort);
            LockSupport.parkNanos(50_000);
        });
        fe = "/local/domain/" + d.domid() + "/device/vbd/" + devid;
        be = read(fe + "/backend");
    }

    String read(String path) {
        WireClient.Frame f = xs.call(XsdSockmsgType.READ, 0, path + "\0");
        return f.isError() ? null : f.text();
    }

    void write(String path, String value) {
        xs.ok(XsdSockmsgType.WRITE, 0, path + "\0" + value);
    }

    static void await(String what, Supplier<Boolean> condition) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (!condition.get()) {
            assertTrue(System.nanoTime() - until < 0, "timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    void awaitBackendState(int state) {
        await("backend state " + state + " of " + be, () -> String.valueOf(state).equals(read(be + "/state")));
    }

    long frames(int n) {
        long f = nextFrame;
        nextFrame += n;
        assertTrue(nextFrame <= d.memory().frames(), "guest memory too small");
        return f;
    }

    int grant(long gfn, boolean readOnly) {
        int ref = table.grantAccess(0, gfn, readOnly);
        assertTrue(ref >= 8, "grant table full");
        return ref;
    }

    /** A data page granted to domain 0, filled with {@code bytes} (4096 of them) when not null. */
    int dataPage(long gfn, byte[] bytes, boolean readOnly) {
        if (bytes != null) {
            mem.write(GuestMemory.gpaOf(gfn), bytes, 0, GuestMemory.PAGE_SIZE);
        }
        return grant(gfn, readOnly);
    }

    /** Sets up rings and channels, writes the keys, switches to Initialised and waits for Connected. */
    void connect(int nQueues, int order, boolean persistent) {
        awaitBackendState(2);
        queues.clear();
        for (String stale : new String[] {"ring-page-order", "multi-queue-num-queues"}) {
            xs.call(XsdSockmsgType.RM, 0, fe + "/" + stale + "\0"); // what a previous connection wrote
        }
        for (int q = 0; q < nQueues; q++) {
            Queue queue = new Queue();
            queue.pages = 1 << order;
            queue.ringGfn = frames(queue.pages);
            MemorySegment area = mem.segment().asSlice(GuestMemory.gpaOf(queue.ringGfn), (long) queue.pages * GuestMemory.PAGE_SIZE);
            queue.ring = SharedFrontRing.initialise(GuestMemory.wrap(area), BlockQueue.BLKIF);
            long port = hc.allocUnbound(0);
            assertTrue(port > 0);
            queue.port = (int) port;
            String dir = nQueues == 1 ? fe : fe + "/queue-" + q;
            for (int i = 0; i < queue.pages; i++) {
                write(dir + "/" + (order == 0 ? "ring-ref" : "ring-ref" + i), Integer.toString(grant(queue.ringGfn + i, false)));
            }
            write(dir + "/event-channel", Integer.toString(queue.port));
            queues.add(queue);
        }
        if (order > 0) {
            write(fe + "/ring-page-order", Integer.toString(order));
        }
        if (nQueues > 1) {
            write(fe + "/multi-queue-num-queues", Integer.toString(nQueues));
        }
        write(fe + "/protocol", "x86_64-abi");
        write(fe + "/feature-persistent", persistent ? "1" : "0");
        write(fe + "/state", "3");
        awaitBackendState(4);
        write(fe + "/state", "4");
    }

    static MemorySegment rw(BlkifOp op, long sector, Seg... segs) {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) op.code());
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) segs.length);
        r.set(ValueLayout.JAVA_LONG, BlkifRequestLayout.SECTOR_NUMBER_OFFSET, sector);
        for (int i = 0; i < segs.length; i++) {
            long s = BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE;
            r.set(ValueLayout.JAVA_INT, s + BlkifRequestSegmentLayout.GREF_OFFSET, segs[i].gref());
            r.set(ValueLayout.JAVA_BYTE, s + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) segs[i].first());
            r.set(ValueLayout.JAVA_BYTE, s + BlkifRequestSegmentLayout.LAST_SECT_OFFSET, (byte) segs[i].last());
        }
        return r;
    }

    /** An indirect request whose segments are written into the guest page {@code indirectGfn}. */
    MemorySegment indirect(BlkifOp op, long sector, long indirectGfn, int indirectRef, Seg... segs) {
        for (int i = 0; i < segs.length; i++) {
            long s = GuestMemory.gpaOf(indirectGfn) + i * BlkifRequestSegmentLayout.SIZE;
            mem.setInt(s + BlkifRequestSegmentLayout.GREF_OFFSET, segs[i].gref());
            mem.setByte(s + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) segs[i].first());
            mem.setByte(s + BlkifRequestSegmentLayout.LAST_SECT_OFFSET, (byte) segs[i].last());
        }
        return indirectHeader(op.code(), sector, segs.length, indirectRef);
    }

    static MemorySegment indirectHeader(int indirectOp, long sector, int nseg, int indirectRef) {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.OPERATION_OFFSET, (byte) BlkifOp.INDIRECT.code());
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET, (byte) indirectOp);
        r.set(ValueLayout.JAVA_SHORT, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET, (short) nseg);
        r.set(ValueLayout.JAVA_LONG, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET, sector);
        r.set(ValueLayout.JAVA_INT, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET, indirectRef);
        return r;
    }

    static MemorySegment flush() {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) BlkifOp.FLUSH_DISKCACHE.code());
        return r;
    }

    static MemorySegment discard(long sector, long count, int flag) {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestDiscardLayout.OPERATION_OFFSET, (byte) BlkifOp.DISCARD.code());
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestDiscardLayout.FLAG_OFFSET, (byte) flag);
        r.set(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET, sector);
        r.set(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET, count);
        return r;
    }

    static MemorySegment raw(int op) {
        MemorySegment r = MemorySegment.ofArray(new long[14]);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) op);
        r.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) 1);
        return r;
    }

    /** Puts the requests on queue {@code q}, pushes (and notifies), and waits for all their responses. */
    List<Response> submit(int q, List<MemorySegment> requests) {
        Queue queue = queues.get(q);
        List<Response> out = new ArrayList<>();
        int[] ids = new int[requests.size()];
        int put = 0;
        long until = System.nanoTime() + 20_000_000_000L;
        while (out.size() < requests.size()) {
            while (put < requests.size()) {
                int id = queue.ring.putRequest(requests.get(put));
                if (id == SharedFrontRing.RING_FULL) {
                    break;
                }
                ids[put++] = id;
            }
            if (queue.ring.pushRequests()) {
                hc.send(queue.port);
            }
            int n = queue.ring.pollResponses((id, rsp) -> out.add(new Response(id,
                    rsp.get(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET),
                    rsp.get(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET) & 0xFF,
                    rsp.get(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET),
                    rsp.asSlice(0, BlkifResponseLayout.SIZE).toArray(ValueLayout.JAVA_BYTE))), Integer.MAX_VALUE);
            if (n == 0) {
                assertTrue(System.nanoTime() - until < 0, "responses missing on queue " + q + ": got " + out.size()
                        + " of " + requests.size());
                LockSupport.parkNanos(200_000);
            }
        }
        return out;
    }

    Response submit(int q, MemorySegment request) {
        List<Response> r = submit(q, List.of(request));
        assertEquals(1, r.size());
        return r.get(0);
    }

    /** Writes {@code req_prod} of queue {@code q} directly (a hostile frontend). */
    void setRequestProducer(int q, int value) {
        mem.setIntRelease(GuestMemory.gpaOf(queues.get(q).ringGfn) + SharedRingLayout.REQ_PROD_OFFSET, value);
    }

    int requestProducer(int q) {
        return queues.get(q).ring.requestProducerIndex();
    }
}
