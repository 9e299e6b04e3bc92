package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.guest.EventLoop;
import io.pvkit.guest.GuestEnvironment;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.xenbus.FrontendDevice;
import io.pvkit.xenbus.XenbusClient;
import io.pvkit.xenbus.XenbusException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The reference guest's PV block frontend (Linux's {@code drivers/block/xen-blkfront.c} is the behavioural
 * model): one {@code device/vbd/<id>} of the guest, connected to its backend over one or more blkif rings.
 *
 * <p>Connect ({@link #connect}): wait for the backend's InitWait; read its features once
 * ({@code max-ring-page-order}, {@code multi-queue-max-queues}, {@code feature-max-indirect-segments},
 * {@code feature-persistent}, {@code feature-flush-cache}, {@code feature-discard}) and negotiate with the
 * {@link BlockFrontendOptions}; per queue, take {@code 2^order} contiguous free frames, zero and grant them
 * to the backend, initialise the ring and allocate an unbound event channel for the backend's domain; write
 * {@code ring-ref} (or {@code ring-page-order} and {@code ring-ref0..}), {@code event-channel} (per queue
 * under {@code queue-<i>/} with {@code multi-queue-num-queues} when there are several), {@code protocol}
 * {@code x86_64-abi}, {@code feature-persistent} and state Initialised in one transaction (retried on
 * {@code EAGAIN}); wait for the backend's Connected and read {@code sectors}, {@code sector-size} and
 * {@code info} once.
 *
 * <p>Notifications: a wait for completions first polls the rings for up to {@value #POLL_NANOS} ns without
 * arming {@code rsp_event} (while requests are in flight the backend answers within that time, so a saturated
 * queue needs no response events), and only then makes the final check and sleeps; requests are pushed with
 * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}, which notifies only when the backend armed {@code req_event}
 * (pvkit's blkback polls before it arms it).
 *
 * <p>I/O: see {@link BlockDevice}. Requests are spread round-robin over the queues; a transfer longer than one
 * request carries (11 direct segments, or the negotiated indirect segments) is split. Requests that do not fit
 * (ring full, queue depth reached, no free page or grant reference) wait in the guest and are issued as
 * responses free space. Request shadows, operations and the request image are reused, so in steady state the
 * callback form ({@link #readAsync(long, MemorySegment, long, BlockCompletion)}) allocates nothing per request and
 * the future form only its future.
 *
 * <p>Trust: everything the backend writes is hostile. Its keys are read once and validated. Its responses are
 * matched by id through pv-rings ({@link FrontRing}: a response id out of range or not outstanding, or a
 * response producer beyond the requests, breaks the ring) and checked here (the operation must echo the
 * request's, the status must be a {@code BLKIF_RSP_*} value). Any of these puts the device into
 * {@link BlockDeviceState#FAILED}: no data of an outstanding read is copied to its caller, the request
 * grants are revoked (a page the backend still holds is kept out of use), and every request fails with
 * {@link BlockDeviceFailedException}. The backend can only ever write the pages granted to it read-write.
 *
 * <p>Not thread-safe: the guest's vCPU thread only.
 */
public final class BlockFrontend implements BlockDevice {
    /** A backend that answers no request for this many handshake timeouts fails the device (a flush may be slow). */
    private static final int IO_TIMEOUT_FACTOR = 3;
    /** How long a wait for completions polls the rings before it arms {@code rsp_event} and sleeps. */
    static final long POLL_NANOS = 50_000;
    /** The first part of that window spins instead of yielding (a response to one request comes within microseconds). */
    static final long SPIN_NANOS = 5_000;
    /** The vbd directory under the guest's home. */
    public static final String VBD = "vbd";

    private final String path;
    private final int handle;
    private final GuestMemory memory;
    private final EventLoop events;
    private final XenbusClient client;
    private final FrontendDevice device;
    private final BlockStats stats;
    private final BlockFrontendOptions options;
    private final List<BlockQueue> queues = new ArrayList<>();
    private final ArrayDeque<BlockRequest> pending = new ArrayDeque<>();
    private final ArrayDeque<BlockRequest.Operation> done = new ArrayDeque<>();
    // steady state allocates nothing per request: shadows and operations are reused, the request image is one
    private final ArrayDeque<BlockRequest> freeRequests = new ArrayDeque<>();
    private final ArrayDeque<BlockRequest.Operation> freeOperations = new ArrayDeque<>();
    private final MemorySegment requestImage = BlkifRequests.newImage();
    private final long[] indirectGpas = new long[io.pvkit.abi.blkif.BlkifRequestIndirectLayout.MAX_INDIRECT_PAGES_PER_REQUEST];
    private BlockPages pages;
    private BlockHandshake handshake;
    private BlockFeatures features;
    private BlockDeviceState state = BlockDeviceState.CONNECTED;
    private BlockDeviceFailedException failure;
    private int queueDepth;
    private int maxSegments;
    private int inFlight;
    private int nextQueue;
    private long completedRequests;
    private boolean pumping;
    private boolean completing;
    private boolean closed;

    private BlockFrontend(GuestEnvironment env, String path, FrontendDevice device, BlockFrontendOptions options,
                          BlockStats stats) {
        this.path = path;
        this.handle = handleOf(path);
        this.memory = env.memory();
        this.events = env.events();
        this.client = device.client();
        this.device = device;
        this.stats = stats;
        this.options = options;
    }

    /**
     * The guest's block devices: the directories under {@code <home>/device/vbd}, in numeric order.
     *
     * @param client the guest's xenstore client
     * @param home the guest's home ({@code /local/domain/<id>})
     * @return the frontend directories (absolute), empty when there is none
     */
    public static List<String> find(XenbusClient client, String home) {
        String dir = home + "/device/" + VBD;
        List<String> ids;
        try {
            ids = client.directory(dir);
        } catch (XenbusException e) {
            return List.of();
        }
        // UNTRUSTED: the names come from xenstore; only decimal device ids are devices
        return ids.stream().filter(id -> !id.isEmpty() && id.length() < 10 && id.chars().allMatch(c -> c >= '0' && c <= '9'))
                .sorted((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)))
                .map(id -> dir + "/" + id).toList();
    }

    /**
     * Connects the frontend at {@code frontendPath} (see the class description).
     *
     * @param env the booted guest (its xenstore, event loop, grant table and memory)
     * @param frontendPath the device's frontend directory, e.g. {@code /local/domain/1/device/vbd/51712}
     * @param options what to ask for
     * @param frames the guest frames the device may use for its rings and pages
     * @param stats where the device counts its requests and notifications
     * @return the connected device
     * @throws BlockDeviceFailedException when there is no xenstore, the backend's keys are malformed, the
     *     guest has no frames or grant references left, or the handshake fails (the cause says why)
     */
    public static BlockFrontend connect(GuestEnvironment env, String frontendPath, BlockFrontendOptions options,
                                        GuestFrames frames, BlockStats stats) {
        Objects.requireNonNull(options, "options");
        XenbusClient client = env.xenstore().orElseThrow(
                () -> new BlockDeviceFailedException("block: no xenstore, so no " + frontendPath, null, null));
        FrontendDevice device;
        try {
            device = FrontendDevice.open(client, frontendPath);
        } catch (XenbusException e) {
            throw new BlockDeviceFailedException("block: cannot open " + frontendPath + ": " + e.getMessage(), null, e);
        }
        device.onStateChange(stats::frontendState);
        BlockFrontend f = new BlockFrontend(env, frontendPath, device, options, stats);
        try {
            f.handshake = new BlockHandshake(env, device, options, frames);
            f.handshake.run(q -> {
                q.completer = (id, response) -> f.complete(q, id, response);   // one object per queue, not per poll
                f.events.bind(q.port, p -> f.onEvent(q));
            });
            f.features = f.handshake.features();
            f.pages = f.handshake.pages();
            f.queues.addAll(f.handshake.queues());
            f.queueDepth = f.handshake.queueDepth();
            f.maxSegments = f.handshake.maxSegments();
        } catch (RuntimeException e) {
            f.abandon();
            if (e instanceof BlockDeviceFailedException b) {
                throw b;
            }
            throw new BlockDeviceFailedException("block: " + frontendPath + ": handshake failed: " + e.getMessage(), null, e);
        }
        stats.features(f.features);
        stats.deviceState(BlockDeviceState.CONNECTED);
        return f;
    }

    // ------------------------------------------------------------------------------------------ API

    @Override
    public BlockFeatures features() {
        return features;
    }

    @Override
    public int queueDepth() {
        return queueDepth;
    }

    @Override
    public int maxSectorsPerRequest() {
        return maxSegments * BlkifRequests.SECTORS_PER_PAGE;
    }

    @Override
    public BlockDeviceState state() {
        return state;
    }

    @Override
    public int outstanding() {
        return inFlight + pending.size();
    }

    /**
     * The frontend directory.
     *
     * @return e.g. {@code /local/domain/1/device/vbd/51712}
     */
    public String path() {
        return path;
    }

    /**
     * Why the device failed.
     *
     * @return the failure, or null while the device has not failed
     */
    public BlockDeviceFailedException failure() {
        return failure;
    }

    @Override
    public CompletableFuture<Void> readAsync(long sector, MemorySegment buffer) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        transfer(BlkifOp.READ, sector, buffer, future, null, 0);
        return future;
    }

    @Override
    public CompletableFuture<Void> writeAsync(long sector, MemorySegment buffer) {
        checkWritable();
        CompletableFuture<Void> future = new CompletableFuture<>();
        transfer(BlkifOp.WRITE, sector, buffer, future, null, 0);
        return future;
    }

    /** Allocates nothing in steady state: the shadow and the operation are reused. */
    @Override
    public void readAsync(long sector, MemorySegment buffer, long tag, BlockCompletion done) {
        transfer(BlkifOp.READ, sector, buffer, null, Objects.requireNonNull(done, "done"), tag);
    }

    /** Allocates nothing in steady state: the shadow and the operation are reused. */
    @Override
    public void writeAsync(long sector, MemorySegment buffer, long tag, BlockCompletion done) {
        Objects.requireNonNull(done, "done");
        checkWritable();
        transfer(BlkifOp.WRITE, sector, buffer, null, done, tag);
    }

    private void checkWritable() {
        if (features.readOnly()) {
            throw new UnsupportedOperationException("block: " + path + " is read-only");
        }
    }

    @Override
    public CompletableFuture<Void> flushAsync() {
        if (!features.flush()) {
            throw new UnsupportedOperationException("block: the backend of " + path + " offers no feature-flush-cache");
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        BlockRequest.Operation operation = operation(1, future, null, 0);
        submit(request().set(BlkifOp.FLUSH_DISKCACHE, 0, 0, null, 0, 0, operation), operation);
        return future;
    }

    @Override
    public CompletableFuture<Void> discardAsync(long sector, long count) {
        if (!features.discard()) {
            throw new UnsupportedOperationException("block: the backend of " + path + " offers no feature-discard");
        }
        if (features.readOnly()) {
            throw new UnsupportedOperationException("block: " + path + " is read-only");
        }
        checkRange(sector, count);
        CompletableFuture<Void> future = new CompletableFuture<>();
        BlockRequest.Operation operation = operation(1, future, null, 0);
        submit(request().set(BlkifOp.DISCARD, sector, count, null, 0, 0, operation), operation);
        return future;
    }

    private void transfer(BlkifOp op, long sector, MemorySegment buffer, CompletableFuture<Void> future,
                          BlockCompletion callback, long tag) {
        Objects.requireNonNull(buffer, "buffer");
        long bytes = buffer.byteSize();
        if (bytes == 0 || bytes % BlkifRequests.SECTOR != 0) {
            throw new IllegalArgumentException("block: a buffer of " + bytes + " bytes is not a positive number of sectors");
        }
        if (op == BlkifOp.READ && buffer.isReadOnly()) {
            throw new IllegalArgumentException("block: a read needs a writable buffer");
        }
        long count = bytes / BlkifRequests.SECTOR;
        checkRange(sector, count);
        int per = maxSectorsPerRequest();
        int n = (int) ((count + per - 1) / per);
        BlockRequest.Operation operation = operation(n, future, callback, tag);
        if (state != BlockDeviceState.CONNECTED) {
            fail(operation);
            return;
        }
        for (long off = 0; off < count; off += per) {
            long len = Math.min(per, count - off);
            // the part's range of the caller's buffer, kept as an offset: no slice per request
            pending.add(request().set(op, sector + off, len, buffer, off * BlkifRequests.SECTOR,
                    len * BlkifRequests.SECTOR, operation));
        }
        pump();
        runCompletions();
    }

    private BlockRequest request() {
        BlockRequest r = freeRequests.pollFirst();
        return r != null ? r : new BlockRequest();
    }

    private BlockRequest.Operation operation(int requests, CompletableFuture<Void> future, BlockCompletion callback,
                                             long tag) {
        BlockRequest.Operation o = freeOperations.pollFirst();
        return (o != null ? o : new BlockRequest.Operation()).set(requests, future, callback, tag);
    }

    /** An operation refused because the device is not connected: completed at once (through the done queue). */
    private void fail(BlockRequest.Operation operation) {
        operation.set(1, operation.future, operation.callback, operation.tag).requestDone(unusable());
        done.add(operation);
        runCompletions();
    }

    private void checkRange(long sector, long count) {
        if (sector < 0 || count < 1 || sector > features.sectors() - count) {
            throw new IllegalArgumentException("block: sectors [" + sector + ", " + sector + "+" + count
                    + ") are outside the disk's " + features.sectors() + " sectors");
        }
        int perLogical = features.sectorSize() / BlkifRequests.SECTOR;
        if (sector % perLogical != 0 || count % perLogical != 0) {
            throw new IllegalArgumentException("block: sectors [" + sector + ", +" + count + ") are not aligned to the "
                    + features.sectorSize() + "-byte logical sector");
        }
    }

    private void submit(BlockRequest r, BlockRequest.Operation operation) {
        if (state != BlockDeviceState.CONNECTED) {
            r.clear();
            freeRequests.addFirst(r);
            fail(operation);
            return;
        }
        pending.add(r);
        pump();
        runCompletions();
    }

    @Override
    public void await(CompletableFuture<?> future) {
        while (!future.isDone()) {
            awaitCompletions();
        }
        try {
            future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    public int awaitCompletions() {
        long before = completedRequests;
        long deadline = System.nanoTime() + IO_TIMEOUT_FACTOR * options.timeout().toNanos();
        while (completedRequests == before) {
            if (state != BlockDeviceState.CONNECTED) {
                throw unusable();
            }
            if (outstanding() == 0) {
                return 0;
            }
            for (int i = 0; i < queues.size(); i++) {
                collect(queues.get(i));   // responses that arrived while we were busy: rsp_event stays where it is
            }
            pump();
            runCompletions();
            if (completedRequests != before || state != BlockDeviceState.CONNECTED || pollForResponses()) {
                continue;
            }
            for (int i = 0; i < queues.size(); i++) {
                drain(queues.get(i));   // nothing came within the poll window: arm rsp_event (final check) before sleeping
            }
            pump();
            runCompletions();
            if (completedRequests != before || state != BlockDeviceState.CONNECTED) {
                continue;
            }
            if (events.awaitEvents() == 0 || System.nanoTime() - deadline >= 0) {
                checkBackend(deadline);
            }
        }
        return (int) (completedRequests - before);
    }

    /** After a wake-up without events: the backend closed the device, or did not answer in time. */
    private void checkBackend(long deadline) {
        client.awaitEvents(Duration.ZERO);
        if (device.closedByBackend() || device.ownState() == XenbusState.CLOSED) {
            fail("block: the backend closed " + path + " with " + inFlight + " requests in flight", null, null);
        } else if (System.nanoTime() - deadline >= 0) {
            fail("block: the backend of " + path + " answered none of " + inFlight + " requests within "
                    + options.timeout().multipliedBy(IO_TIMEOUT_FACTOR), null, null);
        }
    }

    // ------------------------------------------------------------------------------------------ issue

    /** Issues waiting requests while the queue depth, the rings, the pages and the grant references allow. */
    private void pump() {
        if (pumping || state != BlockDeviceState.CONNECTED) {
            return;
        }
        pumping = true;
        try {
            while (!pending.isEmpty() && inFlight < queueDepth) {
                BlockRequest r = pending.peekFirst();
                BlockQueue q = pickQueue();
                if (q == null) {
                    break;
                }
                int data = r.dataPagesNeeded();
                int indirect = data > io.pvkit.abi.blkif.BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST
                        ? BlkifRequests.indirectPages(data) : 0;
                if (pages.available() < data + indirect) {
                    break;
                }
                if (!pages.persistent() && pages.freeRefs() < data + indirect) {
                    if (inFlight == 0) {
                        pending.removeFirst();
                        finish(r, new BlockDeviceFailedException("block: no free grant references for a request of "
                                + (data + indirect) + " pages", null, null));
                        continue;
                    }
                    break;
                }
                pending.removeFirst();
                issue(q, r, data, indirect);
            }
            for (int i = 0; i < queues.size(); i++) {
                BlockQueue q = queues.get(i);
                if (q.dirty) {
                    q.dirty = false;
                    if (q.ring.pushRequests()) {
                        events.send(q.port);
                        stats.notificationSent();
                    }
                }
            }
        } finally {
            pumping = false;
        }
    }

    private BlockQueue pickQueue() {
        for (int i = 0; i < queues.size(); i++) {
            BlockQueue q = queues.get((nextQueue + i) % queues.size());
            if (q.ring.freeRequests() > 0) {
                nextQueue = (q.index + 1) % queues.size();
                return q;
            }
        }
        return null;
    }

    private void issue(BlockQueue q, BlockRequest r, int data, int indirect) {
        r.ensurePages(data + indirect);
        BlockPages.Page[] used = r.pages;
        int[] refs = r.refs;
        for (int i = 0; i < data + indirect; i++) {
            used[i] = pages.take();
        }
        if (r.op == BlkifOp.WRITE) {
            for (int i = 0; i < data; i++) {
                long off = (long) i * GuestMemory.PAGE_SIZE;
                pages.fill(used[i], r.buffer, r.offset + off, (int) Math.min(GuestMemory.PAGE_SIZE, r.bytes - off));
            }
        }
        for (int i = 0; i < data + indirect; i++) {
            // data the backend only reads (a write's pages, the segment lists) is granted read-only
            refs[i] = pages.grant(used[i], r.op == BlkifOp.WRITE || i >= data);
        }
        r.dataPages = data;
        MemorySegment image = requestImage;   // the ring copies it into the slot (and its shadow) at once
        switch (r.op) {
            case READ, WRITE -> {
                if (indirect == 0) {
                    BlkifRequests.direct(image, r.op, handle, r.sector, (int) r.sectors, refs, data);
                } else {
                    for (int p = 0; p < indirect; p++) {
                        indirectGpas[p] = used[data + p].gpa();
                    }
                    BlkifRequests.indirect(image, r.op, handle, r.sector, (int) r.sectors, refs, data, memory,
                            indirectGpas, indirect);
                }
            }
            case FLUSH_DISKCACHE -> BlkifRequests.flush(image, handle);
            case DISCARD -> BlkifRequests.discard(image, handle, r.sector, r.sectors);
            default -> throw new IllegalStateException("not issued by this frontend: " + r.op);
        }
        int id = q.ring.putRequest(image);
        if (id == FrontRing.RING_FULL) {
            throw new IllegalStateException("ring " + q.index + " full after pickQueue");
        }
        r.queue = q.index;
        r.id = id;
        r.startNanos = System.nanoTime();
        q.shadow[id] = r;
        q.dirty = true;
        inFlight++;
        stats.submitted();
    }

    // ------------------------------------------------------------------------------------------ complete

    /** The queue's event channel fired: consume its responses, issue what waits, complete operations. */
    private void onEvent(BlockQueue q) {
        stats.notificationReceived();
        if (state != BlockDeviceState.CONNECTED) {
            return;
        }
        drain(q);
        pump();
        runCompletions();
    }

    /**
     * Polls the rings for up to {@value #POLL_NANOS} ns without arming {@code rsp_event} (NAPI's busy poll): while
     * requests are in flight the backend answers within microseconds, and a frontend that looks again instead of
     * sleeping needs no notification for them. Bounded: only called with requests outstanding, and at most one
     * window per wait; spins for the first {@value #SPIN_NANOS} ns, then yields between looks so that the backend
     * can run on the same core.
     *
     * @return whether a response arrived (or a ring broke: {@link #drain} reports it)
     */
    private boolean pollForResponses() {
        long start = System.nanoTime();
        long end = start + POLL_NANOS;
        long spinUntil = start + SPIN_NANOS;
        long now = start;
        try {
            do {
                for (int i = 0; i < queues.size(); i++) {
                    if (queues.get(i).ring.hasUnconsumedResponses()) {
                        return true;
                    }
                }
                if (now - spinUntil < 0) {
                    Thread.onSpinWait();   // a sched_yield per look would cost a system call and often a switch
                } else {
                    Thread.yield();
                }
                now = System.nanoTime();
            } while (now - end < 0);
        } catch (RingBrokenException e) {
            return true;
        }
        return false;
    }

    /** Consumes the responses waiting on {@code q} without arming {@code rsp_event}. */
    private void collect(BlockQueue q) {
        if (state != BlockDeviceState.CONNECTED) {
            return;
        }
        try {
            q.ring.pollResponses(q.completer, Integer.MAX_VALUE);
        } catch (RingBrokenException e) {
            broken(q, e);
        }
    }

    private void broken(BlockQueue q, RingBrokenException e) {
        String why = e.fault() == RingFault.RESPONSE_REJECTED && q.rejection != null ? q.rejection
                : "queue " + q.index + ": " + e.getMessage();
        fail("block: the backend of " + path + " broke the protocol: " + why, e.fault(), e);
    }

    private void drain(BlockQueue q) {
        if (state != BlockDeviceState.CONNECTED) {
            return;
        }
        try {
            do {
                q.ring.pollResponses(q.completer, Integer.MAX_VALUE);
            } while (q.ring.finalCheckForResponses());
        } catch (RingBrokenException e) {
            broken(q, e);
        }
    }

    private void complete(BlockQueue q, int id, MemorySegment response) {
        BlockRequest r = q.shadow[id];
        q.shadow[id] = null;
        inFlight--;
        // UNTRUSTED: a private copy, validated by BlockQueue.accept (operation echoed, status known)
        short status = response.get(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET);
        boolean ok = status == BlkifResponseLayout.RSP_OKAY;
        revoke(r);
        if (ok && r.op == BlkifOp.READ) {
            for (int i = 0; i < r.dataPages; i++) {
                long off = (long) i * GuestMemory.PAGE_SIZE;
                pages.drain(r.pages[i], r.buffer, r.offset + off, (int) Math.min(GuestMemory.PAGE_SIZE, r.bytes - off));
            }
        }
        for (int i = 0; i < r.pageCount; i++) {
            if (r.reusable[i]) {
                pages.put(r.pages[i]);
            }
        }
        stats.completed(r.op, r.bytes, System.nanoTime() - r.startNanos, ok);
        completedRequests++;
        finish(r, ok ? null : new BlockIoException(r.op, r.sector, status));
        r.clear();
        freeRequests.addFirst(r);
    }

    /** Ends the request's per-request grants; a page whose grant the backend still holds is never reused. */
    private void revoke(BlockRequest r) {
        for (int i = 0; i < r.pageCount; i++) {
            r.reusable[i] = pages.revoke(r.refs[i]);
            if (!r.reusable[i]) {
                stats.grantLeaked();
            }
        }
    }

    private void finish(BlockRequest r, RuntimeException error) {
        if (error != null && r.startNanos == 0) {
            stats.failedRequest();
        }
        if (r.operation.requestDone(error)) {
            done.add(r.operation);
        }
    }

    /** Completes finished operations outside the ring's poll (their callbacks may submit more). */
    private void runCompletions() {
        if (completing) {
            return;
        }
        completing = true;
        try {
            BlockRequest.Operation op;
            while ((op = done.pollFirst()) != null) {
                CompletableFuture<Void> future = op.future;
                BlockCompletion callback = op.callback;
                long tag = op.tag;
                RuntimeException failure = op.failure();
                op.set(0, null, null, 0);
                freeOperations.addFirst(op);   // before the callback, which may submit (and reuse it) at once
                BlockRequest.Operation.complete(future, callback, tag, failure);
            }
        } finally {
            completing = false;
        }
    }

    private void fail(String message, RingFault fault, Throwable cause) {
        if (state != BlockDeviceState.CONNECTED) {
            return;
        }
        failure = new BlockDeviceFailedException(message, fault, cause);
        state = BlockDeviceState.FAILED;
        stats.deviceState(state);
        abortOutstanding(failure);
    }

    /** Fails every outstanding request without copying any data; revokes what can be revoked. */
    private void abortOutstanding(BlockDeviceFailedException cause) {
        for (BlockQueue q : queues) {
            for (int id = 0; id < q.shadow.length; id++) {
                BlockRequest r = q.shadow[id];
                if (r != null) {
                    q.shadow[id] = null;
                    inFlight--;
                    revoke(r);   // pages stay out of the pool: the device is done
                    stats.failedRequest();
                    if (r.operation.requestDone(cause)) {
                        done.add(r.operation);
                    }
                }
            }
        }
        BlockRequest r;
        while ((r = pending.pollFirst()) != null) {
            stats.failedRequest();
            if (r.operation.requestDone(cause)) {
                done.add(r.operation);
            }
        }
        runCompletions();
    }

    private BlockDeviceFailedException unusable() {
        return failure != null ? failure
                : new BlockDeviceFailedException("block: " + path + " is " + state, null, null);
    }

    // ------------------------------------------------------------------------------------------ close

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (state == BlockDeviceState.CONNECTED) {
            try {
                awaitIdle();
            } catch (BlockDeviceException e) {
                // the device failed while draining: it is closed below either way
            }
        }
        if (state == BlockDeviceState.CONNECTED) {
            state = BlockDeviceState.CLOSED;
            stats.deviceState(state);
            abortOutstanding(unusable());
        }
        try {
            device.disconnect(options.timeout());
        } catch (XenbusException e) {
            // xenstore is gone: nothing more to say to the backend
        }
        device.close();
        release();
    }

    /** A handshake that failed: close the device, give back what was taken. */
    private void abandon() {
        closed = true;
        state = BlockDeviceState.CLOSED;
        try {
            device.disconnect(Duration.ofMillis(Math.min(options.timeout().toMillis(), 1000)));
        } catch (RuntimeException e) {
            // best effort
        }
        device.close();
        release();
    }

    private void release() {
        if (handshake != null) {
            handshake.release(stats);
        }
    }

    /** The {@code handle} of the requests: the device id (Linux: the vbd's {@code virtual-device}). */
    private static int handleOf(String path) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        try {
            return (int) (Long.parseLong(id) & 0xFFFF);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return "BlockFrontend[" + path + ", " + state + ", " + features + ", in flight " + inFlight + ", waiting "
                + pending.size() + "]";
    }
}
