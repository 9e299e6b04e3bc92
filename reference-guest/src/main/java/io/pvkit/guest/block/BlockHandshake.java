package io.pvkit.guest.block;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.RevokeResult;
import io.pvkit.guest.EventLoop;
import io.pvkit.guest.GuestEnvironment;
import io.pvkit.xenbus.FrontendDevice;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusKeys;
import io.pvkit.xenbus.XenbusTransaction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The frontend's half of the blkif xenbus handshake and what it sets up (see {@link BlockFrontend}): the
 * backend's offer read once at InitWait, the negotiation, the rings, grants and event channels of every
 * queue, the keys written in one transaction with Initialised, the geometry read once at Connected, the page
 * pool; and, at the end, the release of all of it.
 */
final class BlockHandshake {
    private static final EnumSet<XenbusState> BACKEND_STARTED = EnumSet.of(XenbusState.INIT_WAIT,
            XenbusState.INITIALISED, XenbusState.CONNECTED, XenbusState.CLOSING, XenbusState.CLOSED);

    private final GuestMemory memory;
    private final EventLoop events;
    private final GuestGrantTable grants;
    private final GuestHypercalls hypercalls;
    private final FrontendDevice device;
    private final XenbusClient client;
    private final BlockFrontendOptions options;
    private final GuestFrames frames;
    private final List<BlockQueue> queues = new ArrayList<>();
    private BlockPages pages;
    private BlockFeatures features;
    private int queueDepth;
    private int maxSegments;

    BlockHandshake(GuestEnvironment env, FrontendDevice device, BlockFrontendOptions options, GuestFrames frames) {
        this.memory = env.memory();
        this.events = env.events();
        this.grants = env.grantTable();
        this.hypercalls = env.hypercalls();
        this.device = device;
        this.client = device.client();
        this.options = options;
        this.frames = frames;
    }

    List<BlockQueue> queues() {
        return queues;
    }

    BlockPages pages() {
        return pages;
    }

    BlockFeatures features() {
        return features;
    }

    int queueDepth() {
        return queueDepth;
    }

    int maxSegments() {
        return maxSegments;
    }

    /** Walks the handshake; {@code bind} registers each queue's event handler once its port exists. */
    void run(Consumer<BlockQueue> bind) {
        Duration timeout = options.timeout();
        XenbusState backend = device.awaitOtherEnd(BACKEND_STARTED, timeout);
        if (backend == XenbusState.CLOSING || backend == XenbusState.CLOSED) {
            throw new BlockDeviceFailedException("block: backend " + device.backendPath() + " is " + backend
                    + " before the handshake", null, null);
        }
        BackendOffer offer = BackendOffer.read(client, device.backendPath());
        BackendOffer.Negotiated n = offer.negotiate(options);
        int backendId = device.backendId();
        int ringPages = 1 << n.ringPageOrder();
        for (int i = 0; i < n.queues(); i++) {
            long gfn = frames.allocate(ringPages);
            if (gfn < 0) {
                throw new BlockDeviceFailedException("block: no " + ringPages + " contiguous free frames for ring " + i
                        + " (" + frames + ")", null, null);
            }
            int[] refs = new int[ringPages];
            for (int p = 0; p < ringPages; p++) {
                refs[p] = grants.grantZeroedAccess(backendId, gfn + p, false);
                if (refs[p] == GuestGrantTable.NO_FREE_REF) {
                    for (int q = 0; q < p; q++) {
                        grants.endAccess(refs[q]);
                    }
                    frames.free(gfn, ringPages);
                    throw new BlockDeviceFailedException("block: no free grant reference for ring " + i, null, null);
                }
            }
            long port = hypercalls.allocUnbound(backendId);
            if (port < 0) {
                for (int ref : refs) {
                    grants.endAccess(ref);
                }
                frames.free(gfn, ringPages);
                throw new BlockDeviceFailedException("block: EVTCHNOP_alloc_unbound(remote " + backendId + ") failed: "
                        + XenErrno.describe(port), null, null);
            }
            BlockQueue q = new BlockQueue(i, memory, gfn, ringPages, refs, (int) port);
            queues.add(q);
            bind.accept(q);
        }
        // allocated once, outside the transaction, which may run more than once
        device.connect(timeout, tx -> publish(tx, n));
        // UNTRUSTED: the geometry is read once, after Connected, and validated
        long sectors = BackendOffer.number(client, device.backendPath(), "sectors", -1);
        long sectorSize = BackendOffer.number(client, device.backendPath(), "sector-size", 512);
        long info = BackendOffer.number(client, device.backendPath(), "info", 0);
        if (sectors < 0 || sectors > Long.MAX_VALUE / BlkifRequests.SECTOR) {
            throw new BlockDeviceFailedException("block: backend's sectors is " + (sectors < 0 ? "missing" : sectors),
                    null, null);
        }
        if (sectorSize < 512 || sectorSize > GuestMemory.PAGE_SIZE || Long.bitCount(sectorSize) != 1) {
            throw new BlockDeviceFailedException("block: backend's sector-size " + sectorSize
                    + " is not a power of two in 512..4096", null, null);
        }
        boolean persistent = n.persistent();
        pages = new BlockPages(memory, grants, frames, backendId, persistent);
        int ringSlots = queues.stream().mapToInt(q -> q.ring.size()).sum();
        queueDepth = Math.min(options.queueDepth(), ringSlots);
        maxSegments = n.maxIndirectSegments() > 0 ? n.maxIndirectSegments()
                : BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST;
        int perRequest = maxSegments + (n.maxIndirectSegments() > 0 ? BlkifRequests.indirectPages(maxSegments) : 0);
        long want = Math.min((long) queueDepth * perRequest, 1 << 16);
        int got = pages.grow((int) want);
        if (got < 2) {
            throw new BlockDeviceFailedException("block: no free frames or grant references for data pages ("
                    + frames + ", " + grants.freeRefs() + " free grant references)", null, null);
        }
        if (got < perRequest) {
            // fewer segments per request, so that one request always fits the pool
            maxSegments = n.maxIndirectSegments() > 0 ? got - 1 : Math.min(maxSegments, got);
            if (n.maxIndirectSegments() > 0 && maxSegments <= BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST) {
                maxSegments = Math.min(got, BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST);
            }
        }
        features = new BlockFeatures(n.ringPageOrder(), n.queues(), n.maxIndirectSegments(), persistent, offer.flush(),
                offer.discard(), offer.discardGranularity(), sectors, (int) sectorSize,
                (info & BlockFeatures.VDISK_READONLY) != 0);
    }

    /** Writes this end's keys (inside the handshake's transaction, with state Initialised). */
    private void publish(XenbusTransaction tx, BackendOffer.Negotiated n) {
        if (n.ringPageOrder() > 0) {
            tx.write(device.key("ring-page-order"), Integer.toString(n.ringPageOrder()));
        }
        if (queues.size() == 1) {
            writeQueue(tx, device.key(""), queues.getFirst(), n.ringPageOrder());
        } else {
            tx.write(device.key("multi-queue-num-queues"), Integer.toString(queues.size()));
            for (BlockQueue q : queues) {
                writeQueue(tx, device.key("queue-" + q.index + "/"), q, n.ringPageOrder());
            }
        }
        tx.write(device.key(XenbusKeys.PROTOCOL), XenbusKeys.PROTOCOL_X86_64);
        tx.write(device.key("feature-persistent"), options.persistent() ? "1" : "0");
    }

    private static void writeQueue(XenbusTransaction tx, String prefix, BlockQueue q, int order) {
        if (order == 0) {
            tx.write(prefix + XenbusKeys.RING_REF, Integer.toString(q.ringRefs[0]));
        } else {
            for (int p = 0; p < q.ringRefs.length; p++) {
                tx.write(prefix + XenbusKeys.RING_REF + p, Integer.toString(q.ringRefs[p]));
            }
        }
        tx.write(prefix + XenbusKeys.EVENT_CHANNEL, Integer.toString(q.port));
    }

    /** Unbinds the ports, revokes the ring and persistent grants, frees the frames (after the device closed). */
    void release(BlockStats stats) {
        // a backend may unmap just after it wrote Closed: give it a short while (Linux defers the free likewise)
        long deadline = System.nanoTime() + Math.min(options.timeout().toNanos(), RELEASE_GRACE_NANOS);
        for (BlockQueue q : queues) {
            events.unbind(q.port);
            boolean all = true;
            for (int ref : q.ringRefs) {
                if (!revokeWithGrace(ref, deadline)) {
                    all = false;
                    stats.grantLeaked();
                }
            }
            if (all) {
                frames.free(q.ringGfn, q.ringPages);
            }
        }
        queues.clear();
        if (pages != null) {
            while (pages.persistent() && pages.inUseByBackend() && System.nanoTime() - deadline < 0) {
                events.pause();
            }
            for (int i = pages.release(); i > 0; i--) {
                stats.grantLeaked();
            }
        }
    }

    /** How long {@code release} waits for the backend to drop its last mappings. */
    private static final long RELEASE_GRACE_NANOS = 2_000_000_000L;

    private boolean revokeWithGrace(int ref, long deadline) {
        while (grants.endAccess(ref) != RevokeResult.REVOKED) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            events.pause();
        }
        return true;
    }

}
