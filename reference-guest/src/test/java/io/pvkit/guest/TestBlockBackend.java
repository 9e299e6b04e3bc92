package io.pvkit.guest;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.events.EventChannels;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.MapResult;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.xenbus.BackendDevice;
import io.pvkit.xenbus.EventDispatch;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusKeys;
import io.pvkit.xenbus.testpeer.XenstoreTestPeer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * TEST DOUBLE, test scope only: domain 0's block backend for {@link TestHypervisor}, the smallest blkback that
 * serves one vbd from a byte array over pv-rings' {@link SharedBackRing}. It publishes the features of its
 * {@link Offer} before InitWait (as pvkit's blkback does), reads and records what the frontend wrote, maps
 * the ring pages and every data and indirect page through pv-grant (so the frontend's grants and their
 * read-only flags are checked), serves READ, WRITE, INDIRECT, FLUSH_DISKCACHE and DISCARD, and can misbehave
 * once on purpose ({@link Hostile}).
 *
 * <p>Corners it cuts: it polls its rings (1 ms naps, {@code req_event} armed like a real backend, so the
 * frontend's notification hold-off is real) instead of binding handlers in domain 0's demultiplexer; after
 * mapping every ring page through pv-grant it uses one view of the guest's memory for a multi-page ring, which
 * needs the frontend to place the pages contiguously (it checks that); it trusts its own test.
 */
final class TestBlockBackend {
    static final int DEVID = 51712;
    static final String FRONT = XenbusKeys.frontendPath(TestHypervisor.GUEST, "vbd", DEVID);
    static final String BACK = XenbusKeys.backendPath(TestHypervisor.DOM0, "vbd", TestHypervisor.GUEST, DEVID);
    static final RingType RING = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));

    /** What the backend offers (null/negative: the key is not written). */
    static final class Offer {
        int maxRingPageOrder = 4;
        int maxQueues = 4;
        int maxIndirectSegments = 256;
        boolean persistent = true;
        boolean flush = true;
        boolean discard = true;
        long sectors = 2048;     // 1 MiB
        boolean readOnly;
    }

    /** One deliberate protocol violation. */
    enum Hostile {
        NONE, ID_OUT_OF_RANGE, ID_NOT_OUTSTANDING, WRONG_OPERATION, UNKNOWN_STATUS, RSP_PROD_OVERFLOW, ERROR_STATUS
    }

    final Offer offer = new Offer();
    /** Keys written after the offer, before InitWait (hostile values). */
    final Map<String, String> extraKeys = new java.util.LinkedHashMap<>();
    volatile Hostile hostile = Hostile.NONE;
    /** The request (counted from 1) the hostile behaviour applies to. */
    volatile long hostileAt = 1;
    /** Before answering the hostile request, overwrite the pages of a read with this byte (they are writable). */
    volatile boolean scribbleBeforeHostile = true;
    /** The read request (counted from 1) whose data gets one byte flipped, -1 for none. */
    volatile long corruptReadAt = -1;
    /** After this many requests the backend stops answering and closes the device (-1: never). */
    volatile long closeAfterRequests = -1;

    byte[] disk;
    final Map<String, String> published = new ConcurrentHashMap<>();   // the frontend's keys, relative to FRONT
    final List<String> log = new CopyOnWriteArrayList<>();
    /** The first 64 requests as the backend copied them, and their segments {gref, first_sect, last_sect}. */
    final List<byte[]> rawRequests = new CopyOnWriteArrayList<>();
    final List<List<int[]>> segmentsOf = new CopyOnWriteArrayList<>();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong directRequests = new AtomicLong();
    final AtomicLong indirectRequests = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();
    final AtomicLong discards = new AtomicLong();
    final AtomicLong mapFailures = new AtomicLong();
    final AtomicLong responsesPerQueue0 = new AtomicLong();
    final Map<Integer, AtomicLong> requestsPerQueue = new ConcurrentHashMap<>();
    volatile int maxSegmentsSeen;
    volatile boolean stopped;

    private final EventChannels events;
    private final GrantTables grants;
    private final GuestMemory guestMemory;
    private final XenstoreTestPeer xenstore;
    private XenbusClient client;
    private BackendDevice device;
    private final List<Queue> queues = new ArrayList<>();
    private final Map<Integer, MapResult> persistentMaps = new HashMap<>();
    private boolean persistent;
    private long hostAddr = 1L << 40;
    private Thread thread;
    private Queue overflowPending;

    private static final class Queue {
        final int index;
        final SharedBackRing ring;
        final MemorySegment area;
        final int[] handles;
        final int port;

        Queue(int index, SharedBackRing ring, MemorySegment area, int[] handles, int port) {
            this.index = index;
            this.ring = ring;
            this.area = area;
            this.handles = handles;
            this.port = port;
        }
    }

    TestBlockBackend(EventChannels events, GrantTables grants, GuestMemory guestMemory, XenstoreTestPeer xenstore) {
        this.events = events;
        this.grants = grants;
        this.guestMemory = guestMemory;
        this.xenstore = xenstore;
    }

    /** The toolstack's part: both directories, as libxl writes them. */
    void writeToolstackNodes() {
        disk = new byte[(int) (offer.sectors * 512)];
        xenstore.put(FRONT + "/backend", BACK);
        xenstore.put(FRONT + "/backend-id", "0");
        xenstore.put(FRONT + "/state", "1");
        xenstore.put(FRONT + "/virtual-device", Integer.toString(DEVID));
        xenstore.put(FRONT + "/device-type", "disk");
        xenstore.put(BACK + "/frontend", FRONT);
        xenstore.put(BACK + "/frontend-id", Integer.toString(TestHypervisor.GUEST));
        xenstore.put(BACK + "/params", "/test/disk.img");
        xenstore.put(BACK + "/mode", offer.readOnly ? "r" : "w");
        xenstore.put(BACK + "/online", "1");
        xenstore.put(BACK + "/state", "1");
        xenstore.put(BACK + "/type", "file");
        xenstore.put(BACK + "/dev", "xvda");
    }

    void start() {
        client = XenbusClient.over(xenstore.inProcess(TestHypervisor.DOM0), XenbusClient.Options.defaults(EventDispatch.THREAD));
        device = BackendDevice.open(client, BACK);
        thread = Thread.ofPlatform().name("dom0-blkback").daemon().start(this::run);
    }

    private void run() {
        try {
            writeFeatures();
            device.connect(Duration.ofSeconds(20), d -> connectRings());
            log.add("connected: " + queues.size() + " queue(s)");
            serve();
        } catch (RuntimeException e) {
            log.add("backend: " + e);
        } finally {
            disconnect();
        }
    }

    private void writeFeatures() {
        if (offer.maxRingPageOrder >= 0) {
            client.write(BACK + "/max-ring-page-order", Integer.toString(offer.maxRingPageOrder));
        }
        if (offer.maxQueues >= 0) {
            client.write(BACK + "/multi-queue-max-queues", Integer.toString(offer.maxQueues));
        }
        client.write(BACK + "/feature-persistent", offer.persistent ? "1" : "0");
        client.write(BACK + "/feature-flush-cache", offer.flush ? "1" : "0");
        client.write(BACK + "/feature-discard", offer.discard ? "1" : "0");
        client.write(BACK + "/discard-granularity", "4096");
        if (offer.maxIndirectSegments >= 0) {
            client.write(BACK + "/feature-max-indirect-segments", Integer.toString(offer.maxIndirectSegments));
        }
        client.write(BACK + "/sector-size", "512");
        client.write(BACK + "/physical-sector-size", "4096");
        client.write(BACK + "/sectors", Long.toString(offer.sectors));
        client.write(BACK + "/info", offer.readOnly ? "4" : "0");
        extraKeys.forEach((k, v) -> client.write(BACK + "/" + k, v));
    }

    private void connectRings() {
        for (String key : List.of("ring-page-order", "multi-queue-num-queues", "ring-ref", "event-channel", "protocol",
                "feature-persistent")) {
            client.tryRead(FRONT + "/" + key).ifPresent(v -> published.put(key, v));
        }
        int order = Integer.parseInt(published.getOrDefault("ring-page-order", "0"));
        int n = Integer.parseInt(published.getOrDefault("multi-queue-num-queues", "1"));
        persistent = offer.persistent && "1".equals(published.get("feature-persistent"));
        for (int q = 0; q < n; q++) {
            String prefix = n == 1 ? FRONT + "/" : FRONT + "/queue-" + q + "/";
            int pages = 1 << order;
            int[] refs = new int[pages];
            for (int p = 0; p < pages; p++) {
                String key = order == 0 ? "ring-ref" : "ring-ref" + p;
                String v = client.read(prefix + key);
                published.put(prefix.substring(FRONT.length() + 1) + key, v);
                refs[p] = Integer.parseInt(v);
            }
            String port = client.read(prefix + "event-channel");
            published.put(prefix.substring(FRONT.length() + 1) + "event-channel", port);
            int[] handles = new int[pages];
            long firstGpa = -1;
            for (int p = 0; p < pages; p++) {
                MapResult m = grants.map(TestHypervisor.DOM0, TestHypervisor.GUEST, refs[p], GntMap.HOST_MAP, hostAddr += 4096);
                if (m.status() != 0) {
                    throw new IllegalStateException("ring-ref " + refs[p] + " does not map: " + m.status());
                }
                handles[p] = m.handle();
                long gpa = m.segment().address() - guestMemory.segment().address();
                if (p == 0) {
                    firstGpa = gpa;
                } else if (gpa != firstGpa + (long) p * 4096) {
                    throw new IllegalStateException("ring pages are not contiguous");
                }
            }
            MemorySegment area = guestMemory.slice(firstGpa, (long) pages * 4096);
            SharedBackRing ring = SharedBackRing.attach(GuestMemory.wrap(area), RING);
            int dom0Port = events.bindInterdomain(TestHypervisor.DOM0, TestHypervisor.GUEST, Integer.parseInt(port));
            queues.add(new Queue(q, ring, area, handles, dom0Port));
        }
    }

    private void serve() {
        while (!stopped && device.ownState() == XenbusState.CONNECTED) {
            if (closeAfterRequests >= 0 && requests.get() >= closeAfterRequests) {
                log.add("closing the device after " + requests.get() + " requests");
                device.disconnect(Duration.ofSeconds(10));
                break;
            }
            boolean any = false;
            for (Queue q : queues) {
                long budget = closeAfterRequests >= 0 ? Math.max(0, closeAfterRequests - requests.get()) : 64;
                int n = q.ring.pollRequests(req -> handle(q, req), (int) Math.min(64, budget));
                if (n > 0) {
                    any = true;
                    requestsPerQueue.computeIfAbsent(q.index, i -> new AtomicLong()).addAndGet(n);
                    if (q.ring.pushResponses()) {
                        events.send(TestHypervisor.DOM0, q.port);
                    }
                    if (overflowPending == q) {
                        overflowPending = null;
                        q.area.set(ValueLayout.JAVA_INT, SharedRingLayout.RSP_PROD_OFFSET,
                                q.ring.responseProducerIndex() + q.ring.size() + 10);
                        events.send(TestHypervisor.DOM0, q.port);
                    }
                }
            }
            if (!any) {
                boolean more = false;
                for (Queue q : queues) {
                    more |= q.ring.finalCheckForRequests();
                }
                if (!more) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
    }

    private void handle(Queue q, MemorySegment req) {
        long nr = requests.incrementAndGet();
        int op = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET));
        long id = req.get(ValueLayout.JAVA_LONG, BlkifRequestLayout.ID_OFFSET);
        short status;
        List<int[]> segs = new ArrayList<>();   // {gref, first, last}
        long sector;
        int dataOp = op;
        if (op == BlkifOp.INDIRECT.code()) {
            indirectRequests.incrementAndGet();
            dataOp = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET));
            int n = Short.toUnsignedInt(req.get(ValueLayout.JAVA_SHORT, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET));
            sector = req.get(ValueLayout.JAVA_LONG, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET);
            int pages = (n + 511) / 512;
            for (int p = 0; p < pages; p++) {
                int gref = req.get(ValueLayout.JAVA_INT, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET + 4L * p);
                MemorySegment page = map(gref, true);
                if (page == null) {
                    segs = null;
                    break;
                }
                for (int i = p * 512; i < Math.min(n, (p + 1) * 512); i++) {
                    long at = (i % 512) * BlkifRequestSegmentLayout.SIZE;
                    segs.add(new int[] {page.get(ValueLayout.JAVA_INT, at + BlkifRequestSegmentLayout.GREF_OFFSET),
                            page.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET),
                            page.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.LAST_SECT_OFFSET)});
                }
                unmap(gref);
            }
        } else if (op == BlkifOp.READ.code() || op == BlkifOp.WRITE.code()) {
            directRequests.incrementAndGet();
            int n = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET));
            sector = req.get(ValueLayout.JAVA_LONG, BlkifRequestLayout.SECTOR_NUMBER_OFFSET);
            for (int i = 0; i < Math.min(n, 11); i++) {
                long at = BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE;
                segs.add(new int[] {req.get(ValueLayout.JAVA_INT, at + BlkifRequestSegmentLayout.GREF_OFFSET),
                        req.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET),
                        req.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.LAST_SECT_OFFSET)});
            }
        } else {
            sector = req.get(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET);
        }
        if (rawRequests.size() < 64) {
            rawRequests.add(req.toArray(ValueLayout.JAVA_BYTE));
            segmentsOf.add(segs == null ? List.of() : List.copyOf(segs));
        }
        boolean isHostile = hostile != Hostile.NONE && nr == hostileAt;
        if (op == BlkifOp.FLUSH_DISKCACHE.code()) {
            flushes.incrementAndGet();
            status = offer.flush ? BlkifResponseLayout.RSP_OKAY : BlkifResponseLayout.RSP_EOPNOTSUPP;
        } else if (op == BlkifOp.DISCARD.code()) {
            discards.incrementAndGet();
            long count = req.get(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET);
            if (sector < 0 || count < 0 || sector + count > offer.sectors) {
                status = BlkifResponseLayout.RSP_ERROR;
            } else {
                java.util.Arrays.fill(disk, (int) sector * 512, (int) (sector + count) * 512, (byte) 0);
                status = BlkifResponseLayout.RSP_OKAY;
            }
        } else if (segs == null) {
            status = BlkifResponseLayout.RSP_ERROR;
        } else {
            maxSegmentsSeen = Math.max(maxSegmentsSeen, segs.size());
            if (dataOp == BlkifOp.WRITE.code()) {
                writes.incrementAndGet();
            }
            status = transfer(dataOp == BlkifOp.WRITE.code(), sector, segs, isHostile && scribbleBeforeHostile,
                    nr == corruptReadAt);
        }
        MemorySegment rsp = MemorySegment.ofArray(new long[2]);
        rsp.set(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET, id);
        rsp.set(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET, (byte) op);
        rsp.set(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET, status);
        if (isHostile) {
            log.add("hostile " + hostile + " at request " + nr);
            switch (hostile) {
                case ID_OUT_OF_RANGE -> rsp.set(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET, q.ring.size() + 5L);
                case WRONG_OPERATION -> rsp.set(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET, (byte) (op ^ 1));
                case UNKNOWN_STATUS -> rsp.set(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET, (short) 7);
                case ERROR_STATUS -> rsp.set(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET,
                        BlkifResponseLayout.RSP_ERROR);
                // in range, but only one request is outstanding (the test keeps one in flight)
                case ID_NOT_OUTSTANDING -> rsp.set(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET,
                        (id + 1) % q.ring.size());
                case RSP_PROD_OVERFLOW -> {
                    overflowPending = q;   // after the push: the index itself is the attack
                    return;
                }
                default -> { }
            }
        }
        q.ring.putResponse(rsp);
    }

    /** Moves data between the disk and the segments' pages; a page that does not map fails the request. */
    private short transfer(boolean write, long sector, List<int[]> segs, boolean scribble, boolean corrupt) {
        long at = sector * 512;
        for (int[] s : segs) {
            int first = s[1];
            int last = s[2];
            if (first < 0 || last > 7 || first > last) {
                return BlkifResponseLayout.RSP_ERROR;
            }
            int len = (last - first + 1) * 512;
            if (at < 0 || at + len > disk.length) {
                return BlkifResponseLayout.RSP_ERROR;
            }
            MemorySegment page = map(s[0], write);
            if (page == null) {
                return BlkifResponseLayout.RSP_ERROR;
            }
            MemorySegment data = page.asSlice(first * 512L, len);
            synchronized (this) {
                if (write) {
                    MemorySegment.copy(data, 0, MemorySegment.ofArray(disk), at, len);
                } else if (scribble) {
                    data.fill((byte) 0xEE);
                } else {
                    MemorySegment.copy(MemorySegment.ofArray(disk), at, data, 0, len);
                    if (corrupt && s == segs.getFirst()) {
                        data.set(ValueLayout.JAVA_BYTE, 100, (byte) ~data.get(ValueLayout.JAVA_BYTE, 100));
                    }
                }
            }
            unmap(s[0]);
            at += len;
        }
        return BlkifResponseLayout.RSP_OKAY;
    }

    /** Maps a data or indirect page (read-only when the backend only reads it), or reuses a persistent mapping. */
    private MemorySegment map(int gref, boolean readOnly) {
        if (persistent) {
            MapResult m = persistentMaps.get(gref);
            if (m == null) {
                m = grants.map(TestHypervisor.DOM0, TestHypervisor.GUEST, gref, GntMap.HOST_MAP, hostAddr += 4096);
                if (m.status() != 0) {
                    mapFailures.incrementAndGet();
                    return null;
                }
                persistentMaps.put(gref, m);
            }
            return m.segment();
        }
        MapResult m = grants.map(TestHypervisor.DOM0, TestHypervisor.GUEST, gref,
                GntMap.HOST_MAP | (readOnly ? GntMap.READONLY : 0), hostAddr += 4096);
        if (m.status() != 0) {
            mapFailures.incrementAndGet();
            log.add("map of gref " + gref + (readOnly ? " read-only" : " read-write") + " failed: " + m.status());
            return null;
        }
        transientMaps.put(gref, m.handle());
        return m.segment();
    }

    private final Map<Integer, Integer> transientMaps = new HashMap<>();

    private void unmap(int gref) {
        if (persistent) {
            return;
        }
        Integer h = transientMaps.remove(gref);
        if (h != null) {
            grants.unmap(TestHypervisor.DOM0, h);
        }
    }

    /** Unmaps everything, then lets the handshake follow the frontend to Closed. */
    private void disconnect() {
        for (Queue q : queues) {
            for (int h : q.handles) {
                grants.unmap(TestHypervisor.DOM0, h);
            }
        }
        queues.clear();
        for (MapResult m : persistentMaps.values()) {
            grants.unmap(TestHypervisor.DOM0, m.handle());
        }
        persistentMaps.clear();
        log.add("disconnected, mappings left " + grants.mappingCount(TestHypervisor.DOM0));
    }

    /** Write requests served (direct and indirect). */
    long writes() {
        return writes.get();
    }

    private final AtomicLong writes = new AtomicLong();

    /** The number of mappings domain 0 still holds. */
    int liveMappings() {
        return grants.mappingCount(TestHypervisor.DOM0);
    }

    synchronized byte[] diskCopy() {
        return disk.clone();
    }

    void stop() {
        stopped = true;
        if (client != null) {
            client.close();   // a handshake still waiting for the frontend fails at once
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(device != null && device.ownState() == XenbusState.CONNECTED ? 5000 : 500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (client != null) {
            client.close();
        }
    }
}
