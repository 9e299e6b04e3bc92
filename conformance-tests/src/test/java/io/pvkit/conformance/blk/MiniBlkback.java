package io.pvkit.conformance.blk;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.PagedMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.MapResult;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A small, correct blkif backend written for the kit's self-test: it runs as domain 0 of a
 * {@link BlkTestHypervisor}, maps the frontend's grants through pv-grant, serves a file through
 * {@link FileChannel} (write-through: a WRITE is answered after {@code FileChannel.write} returned, a flush after
 * {@code force(true)}), one worker thread per queue over pv-rings' {@link SharedBackRing}. Each {@link Bug} makes
 * it a deliberately broken backend that exactly one rule (or the listed few) catches.
 */
final class MiniBlkback implements BlockBackendUnderTest {
    /** One deliberate bug per rule. */
    enum Bug {
        NONE,
        /** BLK-01: info never carries VDISK_READONLY. */
        INFO_IGNORES_READONLY,
        /** BLK-02: ring-page-order is not compared with the offered maximum. */
        ACCEPTS_ORDER_ABOVE_MAX,
        /** BLK-03: the ring is built over the first ring page only. */
        FIRST_RING_PAGE_ONLY,
        /** BLK-04: only queue 0 gets a worker. */
        QUEUE0_ONLY,
        /** BLK-05: an unknown operation is answered OKAY. */
        UNKNOWN_OP_OKAY,
        /** BLK-06: the sector range is not checked against the disk size. */
        NO_END_CHECK,
        /** BLK-07: first_sect/last_sect are not checked. */
        NO_SEGMENT_RANGE_CHECK,
        /** BLK-08: nr_segments is not checked. */
        NO_SEGMENT_COUNT_CHECK,
        /** BLK-09: a WRITE maps and writes segment by segment, so a bad later grant leaves the earlier written. */
        WRITES_PER_SEGMENT,
        /** BLK-10: a READ whose writable map fails writes the frame the raw entry names. */
        READ_BYPASSES_READONLY,
        /** BLK-11: a read-only device is opened writable and WRITE is not refused. */
        READONLY_DEVICE_WRITABLE,
        /** BLK-12: a WRITE takes each segment's data from offset 0 of its page. */
        WRITE_IGNORES_FIRST_SECT,
        /** BLK-13: the response is built over the request's first 16 bytes (padding keeps id bytes). */
        PADDING_FROM_REQUEST,
        /** BLK-14: feature-flush-cache is offered but a flush is answered EOPNOTSUPP. */
        FLUSH_UNSUPPORTED,
        /** BLK-15: a write-back cache answers WRITEs before the file write (a flush writes the cache out). */
        WRITE_BACK_CACHE,
        /** BLK-16: an indirect request is served with at most 11 of its segments. */
        INDIRECT_TRUNCATED,
        /** BLK-17: indirect nr_segments is checked against 4096, not the offered 256. */
        INDIRECT_NO_MAX_CHECK,
        /** BLK-18: a producer overflow on one ring stops every device's workers. */
        OVERFLOW_STOPS_ALL,
        /** BLK-19: close leaves the ring pages mapped. */
        CLOSE_KEEPS_RING_MAPPED,
        /** BLK-20: a discard zeroes the whole pages its range touches. */
        DISCARD_WHOLE_PAGES,
        /** BLK-02 (second): a frontend without event-channel is connected (its ring is polled). */
        MISSING_PORT_ACCEPTED,
        /** BLK-14 (second): a write-back cache whose flush forces the file without writing the cache out. */
        FLUSH_BEFORE_WRITEBACK,
        /** BLK-19 (second): a request failing on its second segment's map leaves the first segment mapped. */
        ERROR_PATH_LEAKS_MAPPING,
        /** BLK-21: closing a device whose frontend domain is gone skips the unmap ("nothing left to unmap"). */
        DEAD_FRONTEND_NOT_UNMAPPED
    }

    static final int MAX_ORDER = 4;
    static final int MAX_QUEUES = 4;
    static final int MAX_INDIRECT = 256;
    static final RingType BLKIF = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));
    private static final int SECTOR = 512;

    final BlkTestHypervisor hv = new BlkTestHypervisor();
    final Bug bug;
    private final List<Device> devices = new CopyOnWriteArrayList<>();
    private final AtomicLong hostAddr = new AtomicLong(0x4000_0000L);
    private volatile boolean stopAll;

    MiniBlkback(Bug bug) {
        this.bug = bug;
    }

    @Override
    public HypervisorUnderTest hypervisor() {
        return hv;
    }

    @Override
    public Set<BlockCapability> capabilities() {
        return EnumSet.of(BlockCapability.LIVE_MAPPING_COUNT);
    }

    @Override
    public long liveMappings() {
        return hv.tables.mappingCount(0);
    }

    @Override
    public BlockDeviceSession open(DomainUnderTest frontend, Path image, boolean readOnly) {
        Device d = new Device(frontend.domid(), image, readOnly);
        devices.add(d);
        return d;
    }

    @Override
    public void close() {
        for (Device d : devices) {
            d.close();
        }
        hv.close();
    }

    private MemorySegment map(int fe, int ref, boolean readOnly, List<Integer> handles) {
        MapResult r = hv.tables.map(0, fe, Integer.toUnsignedLong(ref), GntMap.HOST_MAP | (readOnly ? GntMap.READONLY : 0),
                hostAddr.addAndGet(GuestMemory.PAGE_SIZE));
        if (!r.ok()) {
            return null;
        }
        handles.add(r.handle());
        return r.segment();
    }

    private void unmapAll(List<Integer> handles) {
        for (int h : handles) {
            hv.tables.unmap(0, h);
        }
        handles.clear();
    }

    /** One virtual block device. */
    final class Device implements BlockDeviceSession {
        final int fe;
        final FileChannel file;
        final boolean readOnly;
        final long sectors;
        final Map<String, String> keys = new LinkedHashMap<>();
        final List<Queue> queues = new ArrayList<>();
        final List<long[]> pending = new ArrayList<>();
        final List<byte[]> pendingData = new ArrayList<>();
        volatile int state = 2;

        Device(int fe, Path image, boolean readOnly) {
            this.fe = fe;
            this.readOnly = readOnly;
            try {
                this.file = readOnly && bug != Bug.READONLY_DEVICE_WRITABLE
                        ? FileChannel.open(image, StandardOpenOption.READ)
                        : FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
                this.sectors = file.size() / SECTOR;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            keys.put("max-ring-page-order", Integer.toString(MAX_ORDER));
            keys.put("multi-queue-max-queues", Integer.toString(MAX_QUEUES));
            keys.put("feature-persistent", "0");
            keys.put("feature-flush-cache", "1");
            keys.put("feature-discard", "1");
            keys.put("discard-granularity", "512");
            keys.put("discard-alignment", "0");
            keys.put("discard-secure", "0");
            keys.put("feature-max-indirect-segments", Integer.toString(MAX_INDIRECT));
            keys.put("sector-size", "512");
            keys.put("physical-sector-size", "4096");
            keys.put("sectors", Long.toString(sectors));
            keys.put("info", readOnly && bug != Bug.INFO_IGNORES_READONLY ? "4" : "0");
        }

        @Override
        public int backendDomid() {
            return 0;
        }

        @Override
        public Map<String, String> backendKeys() {
            return Map.copyOf(keys);
        }

        private long number(Map<String, String> fk, String key) {
            String v = fk.get(key);
            if (v == null || !v.matches("[0-9]{1,9}")) {
                throw new IllegalArgumentException(key + " missing or not a number: " + v);
            }
            return Long.parseLong(v);
        }

        @Override
        public synchronized ConnectResult connect(Map<String, String> frontendKeys) {
            // UNTRUSTED: every frontend key is read once into locals and validated before anything is mapped
            Map<String, String> fk = Map.copyOf(frontendKeys);
            try {
                String protocol = fk.getOrDefault("protocol", "x86_64-abi");
                if (!protocol.equals("x86_64-abi")) {
                    throw new IllegalArgumentException("unknown protocol " + protocol);
                }
                int nq = fk.containsKey("multi-queue-num-queues") ? (int) number(fk, "multi-queue-num-queues") : 1;
                if (nq < 1 || nq > MAX_QUEUES) {
                    throw new IllegalArgumentException("multi-queue-num-queues " + nq + " not in 1.." + MAX_QUEUES);
                }
                int order = fk.containsKey("ring-page-order") ? (int) number(fk, "ring-page-order") : 0;
                if (order > (bug == Bug.ACCEPTS_ORDER_ABOVE_MAX ? 8 : MAX_ORDER)) {
                    throw new IllegalArgumentException("ring-page-order " + order + " above " + MAX_ORDER);
                }
                int[][] refs = new int[nq][1 << order];
                int[] ports = new int[nq];
                for (int q = 0; q < nq; q++) {
                    String prefix = nq > 1 ? "queue-" + q + "/" : "";
                    for (int i = 0; i < refs[q].length; i++) {
                        refs[q][i] = (int) number(fk, prefix + (order == 0 ? "ring-ref" : "ring-ref" + i));
                    }
                    ports[q] = bug == Bug.MISSING_PORT_ACCEPTED && !fk.containsKey(prefix + "event-channel")
                            ? 0 : (int) number(fk, prefix + "event-channel");
                }
                for (int q = 0; q < nq; q++) {
                    queues.add(new Queue(this, q, refs[q], ports[q]));
                }
            } catch (IllegalArgumentException e) {
                for (Queue q : queues) {
                    q.release();
                }
                queues.clear();
                state = STATE_CLOSED;
                return ConnectResult.closed(e.getMessage(), keys);
            }
            for (Queue q : queues) {
                if (q.index == 0 || bug != Bug.QUEUE0_ONLY) {
                    q.worker.start();
                }
            }
            state = STATE_CONNECTED;
            return ConnectResult.connected(keys);
        }

        @Override
        public synchronized void close() {
            if (state == STATE_CLOSED && queues.isEmpty() && !file.isOpen()) {
                return;
            }
            for (Queue q : queues) {
                q.stop = true;
                LockSupport.unpark(q.worker);
            }
            for (Queue q : queues) {
                try {
                    if (q.worker.isAlive()) {
                        q.worker.join(5000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                q.release();
            }
            queues.clear();
            try {
                writeBack();
                file.close();
            } catch (IOException ignored) {
                // closing: nothing left to answer
            }
            state = STATE_CLOSED;
        }

        void writeBack() throws IOException {
            synchronized (pending) {
                for (int i = 0; i < pending.size(); i++) {
                    writeFully(ByteBuffer.wrap(pendingData.get(i)), pending.get(i)[0]);
                }
                pending.clear();
                pendingData.clear();
            }
        }

        void writeFully(ByteBuffer b, long position) throws IOException {
            while (b.hasRemaining()) {
                position += file.write(b, position);
            }
        }
    }

    /** One queue: its ring, its port and its worker. */
    final class Queue {
        final Device dev;
        final int index;
        final List<Integer> ringHandles = new ArrayList<>();
        final SharedBackRing ring;
        final int port;
        final Thread worker;
        volatile boolean stop;

        Queue(Device dev, int index, int[] refs, int remotePort) {
            this.dev = dev;
            this.index = index;
            List<MemorySegment> pages = new ArrayList<>();
            for (int ref : refs) {
                MemorySegment s = map(dev.fe, ref, false, ringHandles);
                if (s == null) {
                    unmapAll(ringHandles);
                    throw new IllegalArgumentException("cannot map ring-ref " + Integer.toUnsignedString(ref));
                }
                pages.add(s);
            }
            if (bug == Bug.FIRST_RING_PAGE_ONLY) {
                pages = pages.subList(0, 1);
            }
            this.ring = SharedBackRing.attach(PagedMemory.of(pages.toArray(MemorySegment[]::new)), BLKIF);
            this.worker = Thread.ofPlatform().daemon().name("mini-blkback-d" + dev.fe + "-q" + index).unstarted(this::run);
            int p = remotePort == 0 && bug == Bug.MISSING_PORT_ACCEPTED ? -1
                    : hv.bindDom0(dev.fe, remotePort, port -> LockSupport.unpark(worker));
            if (p <= 0 && bug != Bug.MISSING_PORT_ACCEPTED) {
                unmapAll(ringHandles);
                throw new IllegalArgumentException("cannot bind event-channel " + remotePort + ": " + p);
            }
            this.port = p;
        }

        void release() {
            boolean skip = bug == Bug.CLOSE_KEEPS_RING_MAPPED
                    || (bug == Bug.DEAD_FRONTEND_NOT_UNMAPPED && hv.destroyed(dev.fe));
            if (!skip) {
                unmapAll(ringHandles);
            }
            if (port > 0) {
                hv.unbindDom0(port);
            }
        }

        private void run() {
            List<MemorySegment> batch = new ArrayList<>();
            while (!stop && !stopAll) {
                boolean more;
                try {
                    batch.clear();
                    // bounded work per round: at most 32 requests before the next look at stop flags
                    ring.pollRequests(r -> batch.add(MemorySegment.ofArray(r.toArray(ValueLayout.JAVA_BYTE))), 32);
                    for (MemorySegment r : batch) {
                        ring.putResponse(handle(dev, r));
                    }
                    if (!batch.isEmpty() && ring.pushResponses() && port > 0) {
                        hv.channels.send(0, port);
                    }
                    more = !batch.isEmpty() || ring.finalCheckForRequests();
                } catch (RingBrokenException e) {
                    if (bug == Bug.OVERFLOW_STOPS_ALL) {
                        stopAll = true;
                    }
                    return; // only this ring is broken: its worker stops, the device stays until closed
                }
                if (!more) {
                    LockSupport.parkNanos(this, 5_000_000L);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ requests

    private MemorySegment handle(Device dev, MemorySegment req) {
        // UNTRUSTED: req is the private copy; every field is read from it once
        int op = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET));
        long id = req.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestLayout.ID_OFFSET);
        short status;
        try {
            status = switch (op) {
                case 0, 1 -> direct(dev, op, req);
                case 3 -> flush(dev);
                case 5 -> discard(dev, req);
                case 6 -> indirect(dev, req);
                default -> bug == Bug.UNKNOWN_OP_OKAY ? BlkifResponseLayout.RSP_OKAY : BlkifResponseLayout.RSP_EOPNOTSUPP;
            };
        } catch (IOException | RuntimeException e) {
            status = BlkifResponseLayout.RSP_ERROR;
        }
        MemorySegment rsp = MemorySegment.ofArray(new byte[(int) BlkifResponseLayout.SIZE]);
        if (bug == Bug.PADDING_FROM_REQUEST) {
            MemorySegment.copy(req, 0, rsp, 0, rsp.byteSize());
        }
        rsp.set(ValueLayout.JAVA_LONG_UNALIGNED, BlkifResponseLayout.ID_OFFSET, id);
        rsp.set(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET, (byte) op);
        rsp.set(ValueLayout.JAVA_SHORT_UNALIGNED, BlkifResponseLayout.STATUS_OFFSET, status);
        return rsp;
    }

    private short direct(Device dev, int op, MemorySegment req) throws IOException {
        int nseg = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET));
        if ((nseg == 0 || nseg > BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST) && bug != Bug.NO_SEGMENT_COUNT_CHECK) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        int[][] segs = new int[nseg][];
        for (int i = 0; i < nseg; i++) {
            long e = BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE;
            segs[i] = new int[] {req.get(ValueLayout.JAVA_INT_UNALIGNED, e + BlkifRequestSegmentLayout.GREF_OFFSET),
                Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, e + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET)),
                Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, e + BlkifRequestSegmentLayout.LAST_SECT_OFFSET))};
        }
        return transfer(dev, op, req.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestLayout.SECTOR_NUMBER_OFFSET), segs);
    }

    private short indirect(Device dev, MemorySegment req) throws IOException {
        int iop = Byte.toUnsignedInt(req.get(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET));
        int nseg = Short.toUnsignedInt(req.get(ValueLayout.JAVA_SHORT_UNALIGNED, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET));
        long sector = req.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET);
        int max = bug == Bug.INDIRECT_NO_MAX_CHECK
                ? BlkifRequestIndirectLayout.MAX_INDIRECT_PAGES_PER_REQUEST * BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME
                : MAX_INDIRECT;
        if ((iop != BlkifOp.READ.code() && iop != BlkifOp.WRITE.code()) || nseg == 0 || nseg > max) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        int per = BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME;
        int[][] segs = new int[nseg][];
        List<Integer> handles = new ArrayList<>();
        try {
            for (int p = 0; p * per < nseg; p++) {
                int ref = req.get(ValueLayout.JAVA_INT_UNALIGNED, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET + 4L * p);
                MemorySegment page = map(dev.fe, ref, true, handles);
                if (page == null) {
                    return BlkifResponseLayout.RSP_ERROR;
                }
                // UNTRUSTED: the segment list is copied once, then parsed from the copy
                byte[] copy = page.toArray(ValueLayout.JAVA_BYTE);
                MemorySegment c = MemorySegment.ofArray(copy);
                for (int k = 0; k < per && p * per + k < nseg; k++) {
                    long e = k * BlkifRequestSegmentLayout.SIZE;
                    segs[p * per + k] = new int[] {c.get(ValueLayout.JAVA_INT_UNALIGNED, e + BlkifRequestSegmentLayout.GREF_OFFSET),
                        Byte.toUnsignedInt(c.get(ValueLayout.JAVA_BYTE, e + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET)),
                        Byte.toUnsignedInt(c.get(ValueLayout.JAVA_BYTE, e + BlkifRequestSegmentLayout.LAST_SECT_OFFSET))};
                }
            }
        } finally {
            unmapAll(handles);
        }
        if (bug == Bug.INDIRECT_TRUNCATED && nseg > BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST) {
            segs = java.util.Arrays.copyOf(segs, BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST);
        }
        return transfer(dev, iop, sector, segs);
    }

    private short discard(Device dev, MemorySegment req) throws IOException {
        long sector = req.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET);
        long count = req.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET);
        // UNTRUSTED: both are 64-bit; the range is checked against the disk without overflow, which bounds the work
        if (Long.compareUnsigned(sector, dev.sectors) > 0 || Long.compareUnsigned(count, dev.sectors - sector) > 0) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        if (dev.readOnly) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        dev.writeBack();
        long from = sector * SECTOR;
        long to = (sector + count) * SECTOR;
        if (bug == Bug.DISCARD_WHOLE_PAGES) {
            from &= ~(GuestMemory.PAGE_SIZE - 1L);
            to = Math.min(dev.sectors * SECTOR, (to + GuestMemory.PAGE_SIZE - 1) & ~(GuestMemory.PAGE_SIZE - 1L));
        }
        byte[] zeros = new byte[64 * 1024];
        for (long at = from; at < to; at += zeros.length) {
            dev.writeFully(ByteBuffer.wrap(zeros, 0, (int) Math.min(zeros.length, to - at)), at);
        }
        return BlkifResponseLayout.RSP_OKAY;
    }

    private short flush(Device dev) throws IOException {
        if (bug == Bug.FLUSH_UNSUPPORTED) {
            return BlkifResponseLayout.RSP_EOPNOTSUPP;
        }
        if (bug == Bug.FLUSH_BEFORE_WRITEBACK) {
            dev.file.force(true);
            return BlkifResponseLayout.RSP_OKAY;
        }
        dev.writeBack();
        dev.file.force(true);
        return BlkifResponseLayout.RSP_OKAY;
    }

    private short transfer(Device dev, int op, long sector, int[][] segs) throws IOException {
        boolean write = op == BlkifOp.WRITE.code();
        if (write && dev.readOnly && bug != Bug.READONLY_DEVICE_WRITABLE) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        long total = 0;
        for (int[] s : segs) {
            if ((s[1] > s[2] || s[2] > 7) && bug != Bug.NO_SEGMENT_RANGE_CHECK) {
                return BlkifResponseLayout.RSP_ERROR;
            }
            total += s[2] - s[1] + 1;
        }
        if (bug != Bug.NO_END_CHECK && (Long.compareUnsigned(sector, dev.sectors) > 0 || total > dev.sectors - sector)) {
            return BlkifResponseLayout.RSP_ERROR;
        }
        if (write && bug == Bug.WRITES_PER_SEGMENT) {
            long at = sector;
            for (int[] s : segs) {
                List<Integer> h = new ArrayList<>();
                MemorySegment page = map(dev.fe, s[0], true, h);
                if (page == null) {
                    return BlkifResponseLayout.RSP_ERROR;
                }
                int len = (s[2] - s[1] + 1) * SECTOR;
                dev.writeFully(ByteBuffer.wrap(page.asSlice((long) s[1] * SECTOR, len).toArray(ValueLayout.JAVA_BYTE)), at * SECTOR);
                unmapAll(h);
                at += s[2] - s[1] + 1;
            }
            return BlkifResponseLayout.RSP_OKAY;
        }
        List<Integer> handles = new ArrayList<>();
        try {
            MemorySegment[] pages = new MemorySegment[segs.length];
            for (int i = 0; i < segs.length; i++) {
                pages[i] = map(dev.fe, segs[i][0], write, handles);
                if (pages[i] == null && !write && bug == Bug.READ_BYPASSES_READONLY) {
                    pages[i] = rawFrame(dev.fe, segs[i][0]);
                }
                if (pages[i] == null) {
                    if (bug == Bug.ERROR_PATH_LEAKS_MAPPING) {
                        handles.clear();
                    }
                    return BlkifResponseLayout.RSP_ERROR;
                }
            }
            byte[] buf = new byte[(int) total * SECTOR];
            int at = 0;
            if (write) {
                for (int i = 0; i < segs.length; i++) {
                    int len = (segs[i][2] - segs[i][1] + 1) * SECTOR;
                    long from = bug == Bug.WRITE_IGNORES_FIRST_SECT ? 0 : (long) segs[i][1] * SECTOR;
                    MemorySegment.copy(pages[i], ValueLayout.JAVA_BYTE, from, buf, at, len);
                    at += len;
                }
                if (bug == Bug.WRITE_BACK_CACHE || bug == Bug.FLUSH_BEFORE_WRITEBACK) {
                    synchronized (dev.pending) {
                        dev.pending.add(new long[] {sector * SECTOR});
                        dev.pendingData.add(buf);
                    }
                } else {
                    dev.writeFully(ByteBuffer.wrap(buf), sector * SECTOR);
                }
            } else {
                dev.writeBack();
                ByteBuffer b = ByteBuffer.wrap(buf);
                long pos = sector * SECTOR;
                while (b.hasRemaining()) {
                    int n = dev.file.read(b, pos);
                    if (n < 0) {
                        break;
                    }
                    pos += n;
                }
                for (int i = 0; i < segs.length; i++) {
                    int len = (segs[i][2] - segs[i][1] + 1) * SECTOR;
                    MemorySegment.copy(buf, at, pages[i], ValueLayout.JAVA_BYTE, (long) segs[i][1] * SECTOR, len);
                    at += len;
                }
            }
            return BlkifResponseLayout.RSP_OKAY;
        } finally {
            unmapAll(handles);
        }
    }

    /** The READ_BYPASSES_READONLY bug: the frame an entry granted to dom0 names, read-only or not. */
    private MemorySegment rawFrame(int fe, int ref) {
        GuestMemory m = hv.memoryOf(fe);
        long e = GuestMemory.gpaOf(m.frames() - BlkTestHypervisor.TABLE_FRAMES) + (long) ref * GrantEntryV1Layout.SIZE;
        if (ref < 0 || ref >= GrantEntryV1Layout.ENTRIES_PER_FRAME) {
            return null;
        }
        int flags = m.getIntVolatile(e + GrantEntryV1Layout.FLAGS_OFFSET);
        if ((flags & GrantFlags.TYPE_MASK) != GrantFlags.PERMIT_ACCESS || (flags >>> 16) != 0) {
            return null;
        }
        return m.frame(Integer.toUnsignedLong(m.getInt(e + GrantEntryV1Layout.FRAME_OFFSET)));
    }
}
