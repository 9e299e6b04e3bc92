package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnCloseLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.memory.PagedMemory;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.rings.SharedBackRing;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One vbd: its image (open from probe to release), its xenbus state, and while connected its queues
 * (ring pages mapped, port bound, served by a worker). Everything here runs on domain 0's vCPU.
 */
final class VbdDevice {
    /** Domain 0 frames per queue: hypercall scratch, indirect page, data buffer. */
    static final int FRAMES_PER_QUEUE = 2 + RequestExecutor.CHUNK_PAGES;
    /**
     * The same with the small data buffer, for queues that connect when less than half of domain 0's backend frames
     * are free (64 guests of 4 queues need 256 queues; domain 0's 4096 frames hold only 120 of the large kind).
     */
    static final int SMALL_FRAMES_PER_QUEUE = 2 + RequestExecutor.SMALL_CHUNK_PAGES;
    /** How long a disconnect waits for a queue's worker to finish its turn. */
    static final long STOP_MILLIS = 5_000;
    /** Pseudo virtual addresses for ring mappings (the {@code host_addr} of each map). */
    private static final long RING_MAP_AREA = 0x0000_6000_0000_0000L;
    private static final AtomicLong NEXT_HOST_PAGE = new AtomicLong();

    final int domid;
    final int devid;
    final String backend;
    final String frontend;
    final DiskImage image;
    XenbusState state = XenbusState.INITIALISING;
    private final BackendContext ctx;
    private final List<Queue> queues = new ArrayList<>();
    private boolean persistentGrants;

    /** One connected queue. */
    private record Queue(BlockQueue queue, int port, int[] handles, long[] hostAddrs, long frames, int frameCount) {
    }

    VbdDevice(BackendContext ctx, int domid, int devid, String backend, String frontend, DiskImage image) {
        this.ctx = ctx;
        this.domid = domid;
        this.devid = devid;
        this.backend = backend;
        this.frontend = frontend;
        this.image = image;
    }

    boolean connected() {
        return !queues.isEmpty();
    }

    /**
     * Maps every queue's ring, binds its port and gives the queue to a worker.
     *
     * @param cfg the validated frontend configuration
     * @throws FrontendConfig.Invalid when a reference cannot be mapped, a port cannot be bound or domain 0
     *     has no frames left; everything done so far is undone
     */
    void connect(FrontendConfig cfg) throws FrontendConfig.Invalid {
        persistentGrants = cfg.persistent();
        try {
            for (int q = 0; q < cfg.queues().size(); q++) {
                connectQueue(q, cfg.queues().get(q));
            }
        } catch (FrontendConfig.Invalid | RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    private void connectQueue(int q, FrontendConfig.Queue cfg) throws FrontendConfig.Invalid {
        // the large buffer while at least half of domain 0's backend frames stay free, then the small one: one
        // guest's queues all get the large buffer, and 64 guests of 4 queues still fit
        Dom0Frames pool = ctx.frames();
        boolean roomy = pool.capacity() - pool.inUse() - FRAMES_PER_QUEUE >= pool.capacity() / 2;
        int frameCount = roomy ? FRAMES_PER_QUEUE : SMALL_FRAMES_PER_QUEUE;
        long frames = pool.allocate(frameCount);
        if (frames < 0 && roomy) {
            frameCount = SMALL_FRAMES_PER_QUEUE;
            frames = ctx.frames().allocate(frameCount);
        }
        if (frames < 0) {
            throw new FrontendConfig.Invalid("domain 0 has no memory left for another queue");
        }
        int pages = cfg.ringRefs().length;
        int[] handles = new int[pages];
        long[] hostAddrs = new long[pages];
        MemorySegment[] segs = new MemorySegment[pages];
        int mapped = map(cfg.ringRefs(), handles, hostAddrs);
        if (mapped < pages) {
            unmap(handles, hostAddrs, mapped);
            ctx.frames().free(frames, frameCount);
            throw new FrontendConfig.Invalid("cannot map ring-ref " + Integer.toUnsignedString(cfg.ringRefs()[mapped])
                    + " of queue " + q + ": status " + handles[mapped]);
        }
        for (int i = 0; i < pages; i++) {
            segs[i] = ctx.kernel().grantMapping(handles[i]);
            if (segs[i] == null) {
                unmap(handles, hostAddrs, pages);
                ctx.frames().free(frames, frameCount);
                throw new FrontendConfig.Invalid("ring page " + i + " of queue " + q + " vanished");
            }
        }
        long local = ctx.vcpu().bindInterdomain(domid, cfg.eventChannel());
        if (local <= 0) {
            unmap(handles, hostAddrs, pages);
            ctx.frames().free(frames, frameCount);
            throw new FrontendConfig.Invalid("cannot bind event-channel " + cfg.eventChannel() + " of queue " + q
                    + ": " + XenErrno.describe(local));
        }
        int port = (int) local;
        GuestHypercalls hc = new GuestHypercalls(ctx.hypervisor(), ctx.self(), GuestMemory.gpaOf(frames), GuestMemory.PAGE_SIZE);
        PersistentGrants persistent = persistentGrants
                ? new PersistentGrants(hc, ctx.kernel(), domid, ctx.counters().persistentBudget, ctx.counters()) : null;
        WorkerCalls calls = new WorkerCalls(hc, ctx.memory(), frames);
        RequestExecutor exec = new RequestExecutor(image, new GrantCopier(calls, domid), ctx.memory(), frames + 1,
                frames + 2, frameCount - 2, persistent);
        SharedBackRing ring = SharedBackRing.attach(PagedMemory.of(segs), BlockQueue.BLKIF);
        BlockQueue queue = new BlockQueue("blkback-d" + domid + "-" + devid + "-q" + q, ring, port, calls, exec,
                ctx.counters(), ctx.say());
        queues.add(new Queue(queue, port, handles, hostAddrs, frames, frameCount));
        // late EOI (Linux's lateeoi, XSA-332): the port stays masked from this event until the queue's worker has
        // looked at the ring (BlockQueue unmasks by EVTCHNOP_unmask), so kicks meanwhile cost domain 0 nothing
        ctx.demux().register(port, p -> {
            ctx.demux().mask(p);
            queue.kick();
        });
        ctx.demux().unmask(port);
        ctx.counters().workers.incrementAndGet();
        ctx.workers().add(queue);
    }

    /** Stops the queues, unbinds the ports, unmaps the rings, gives the frames back. Idempotent. */
    void disconnect() {
        for (Queue q : queues) {
            if (!q.queue().stop(STOP_MILLIS)) {
                ctx.say().accept("blkback: a queue of " + backend + " did not stop in time; its mappings die under it");
            }
        }
        for (Queue q : queues) {
            ctx.demux().unregister(q.port());
            close(q.port());
            unmap(q.handles(), q.hostAddrs(), q.handles().length);
            ctx.frames().free(q.frames(), q.frameCount());
        }
        queues.clear();
    }

    /** Disconnects and closes the image. */
    void release() {
        disconnect();
        try {
            image.close();
        } catch (IOException e) {
            ctx.say().accept("blkback: closing " + image.path() + ": " + e.getMessage());
        }
    }

    /** Maps the refs read-write in one batch; returns how many succeeded in order (handles[i] = status on failure). */
    private int map(int[] refs, int[] handles, long[] hostAddrs) {
        long size = GnttabMapGrantRefLayout.LAYOUT.byteSize();
        MemorySegment a = MemorySegment.ofArray(new long[(int) (refs.length * size / 8)]);
        for (int i = 0; i < refs.length; i++) {
            hostAddrs[i] = RING_MAP_AREA + GuestMemory.gpaOf(NEXT_HOST_PAGE.getAndIncrement());
            long e = i * size;
            a.set(ValueLayout.JAVA_LONG, e + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddrs[i]);
            a.set(ValueLayout.JAVA_INT, e + GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
            a.set(ValueLayout.JAVA_INT, e + GnttabMapGrantRefLayout.REF_OFFSET, refs[i]);
            a.set(ValueLayout.JAVA_SHORT, e + GnttabMapGrantRefLayout.DOM_OFFSET, (short) domid);
        }
        long rc = ctx.vcpu().grantTableOp(GrantTableOp.MAP_GRANT_REF, a);
        int ok = 0;
        boolean prefix = true;
        for (int i = 0; i < refs.length; i++) {
            short status = rc < 0 ? (short) rc : a.get(ValueLayout.JAVA_SHORT, i * size + GnttabMapGrantRefLayout.STATUS_OFFSET);
            if (status == 0) {
                handles[i] = a.get(ValueLayout.JAVA_INT, i * size + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                ctx.counters().mappings.incrementAndGet();
                if (prefix) {
                    ok++;
                } else {
                    unmap(new int[] {handles[i]}, new long[] {hostAddrs[i]}, 1); // after a failure: give it back
                }
            } else {
                handles[i] = status;
                if (prefix) {
                    prefix = false;
                }
            }
        }
        return ok;
    }

    private void unmap(int[] handles, long[] hostAddrs, int n) {
        if (n == 0) {
            return;
        }
        long size = GnttabUnmapGrantRefLayout.LAYOUT.byteSize();
        MemorySegment a = MemorySegment.ofArray(new long[(int) (n * size / 8)]);
        for (int i = 0; i < n; i++) {
            a.set(ValueLayout.JAVA_LONG, i * size + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddrs[i]);
            a.set(ValueLayout.JAVA_INT, i * size + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handles[i]);
        }
        long rc = ctx.vcpu().grantTableOp(GrantTableOp.UNMAP_GRANT_REF, a);
        for (int i = 0; i < n; i++) {
            short status = rc < 0 ? (short) rc : a.get(ValueLayout.JAVA_SHORT, i * size + GnttabUnmapGrantRefLayout.STATUS_OFFSET);
            if (status != 0) {
                // the granter died and its grants were revoked (destroy): the mapping is gone all the same
                ctx.say().accept("blkback: unmap of a ring page of " + backend + ": status " + status);
            }
            ctx.counters().mappings.decrementAndGet();
        }
    }

    private void close(int port) {
        MemorySegment a = MemorySegment.ofArray(new long[1]).asSlice(0, EvtchnCloseLayout.LAYOUT.byteSize());
        a.set(ValueLayout.JAVA_INT, EvtchnCloseLayout.PORT_OFFSET, port);
        ctx.vcpu().eventChannelOp(EvtchnOp.CLOSE, a);
    }
}
