package io.pvkit.guest;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.guest.block.BlockDeviceFailedException;
import io.pvkit.guest.block.BlockDeviceState;
import io.pvkit.guest.block.BlockFeatures;
import io.pvkit.guest.block.BlockFrontend;
import io.pvkit.guest.block.BlockFrontendOptions;
import io.pvkit.guest.block.BlockIoException;
import io.pvkit.guest.block.GuestFrames;
import io.pvkit.rings.RingFault;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block frontend against {@link TestBlockBackend} (a test double) inside a guest booted by
 * {@link TestHypervisor}: negotiation, request building, hostile responses, data.
 */
class BlockFrontendTest {

    /** What a scripted workload body sees. */
    interface Body {
        void run(BlockFrontend disk, GuestEnvironment env) throws Exception;
    }

    /** A workload that connects the frontend with the given options and runs {@code body}. */
    private static final class Scripted implements Workload {
        private static final int CANARY_FRAMES = 4;
        private final BlockFrontendOptions options;
        private final Body body;
        volatile BlockFeatures features;
        volatile BlockDeviceState stateAtEnd;

        Scripted(BlockFrontendOptions options, Body body) {
            this.options = options;
            this.body = body;
        }

        @Override
        public String name() {
            return "scripted-block";
        }

        @Override
        public void run(GuestEnvironment env) throws Exception {
            GuestFrames frames = new GuestFrames(1, env.startInfo().nrPages());
            // canary frames the device never gets: no copy of the frontend or the backend may reach them
            long canary = frames.allocate(CANARY_FRAMES);
            long canaryGpa = io.pvkit.abi.memory.GuestMemory.gpaOf(canary);
            env.memory().fill(canaryGpa, CANARY_FRAMES * 4096L, (byte) 0xC3);
            try (BlockFrontend disk = BlockFrontend.connect(env, TestBlockBackend.FRONT, options, frames,
                    env.stats().block())) {
                features = disk.features();
                body.run(disk, env);
                stateAtEnd = disk.state();
            }
            byte[] after = new byte[CANARY_FRAMES * 4096];
            env.memory().read(canaryGpa, after, 0, after.length);
            for (int i = 0; i < after.length; i++) {
                if (after[i] != (byte) 0xC3) {
                    throw new AssertionError("guest memory outside the device's pages changed at canary byte " + i);
                }
            }
        }
    }

    private record Run(ReferenceGuest guest, TestBlockBackend backend, Map<String, String> xenstoreAfter,
                       int mappingsAfter) {
        GuestStats stats() {
            return guest.stats();
        }

        void assertDone() {
            assertEquals(GuestState.DONE, stats().state(), () -> "failure: " + stats().failure() + "; backend log "
                    + backend.log);
        }
    }

    private static Run boot(Workload workload, String cmdline, Consumer<TestBlockBackend> setUp) throws Exception {
        ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().workload(workload)
                .connectTimeout(Duration.ofSeconds(10)).verbosity(ConsoleVerbosity.NORMAL).build());
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.knobs.vbd = true;
            setUp.accept(hv.blockBackend());
            hv.build(cmdline);
            Thread vcpu = hv.start(guest);
            vcpu.join(60_000);
            assertFalse(vcpu.isAlive(), "the guest returned from enter");
            TestBlockBackend be = hv.blockBackend();
            long until = System.nanoTime() + 3_000_000_000L;
            while (be.liveMappings() > 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            Map<String, String> nodes = new java.util.HashMap<>();
            for (String k : new String[] {"state"}) {
                nodes.put("front/" + k, hv.xenstoreNode(TestBlockBackend.FRONT + "/" + k));
                nodes.put("back/" + k, hv.xenstoreNode(TestBlockBackend.BACK + "/" + k));
            }
            if (guest.stats().state() == GuestState.DONE) {
                assertEquals(ShutdownReason.POWEROFF, hv.shutdownReason());
            }
            return new Run(guest, be, nodes, be.liveMappings());
        }
    }

    private static BlockFrontendOptions opts(int order, int queues, boolean indirect, boolean persistent) {
        return new BlockFrontendOptions(order, queues, indirect, persistent, 16, Duration.ofSeconds(10));
    }

    private static MemorySegment filled(int bytes, int seed) {
        byte[] b = new byte[bytes];
        new java.util.Random(seed).nextBytes(b);
        return MemorySegment.ofArray(b);
    }

    // ------------------------------------------------------------------------------------ negotiation

    @Test
    void shouldNegotiateEveryFeatureWhenBothSidesOfferIt() throws Exception {
        Scripted w = new Scripted(opts(4, 4, true, true), (disk, env) -> disk.write(0, filled(4096, 1)));
        Run run = boot(w, "pvkit.blk=off", be -> { });
        run.assertDone();
        BlockFeatures f = w.features;
        assertEquals(new BlockFeatures(4, 4, 256, true, true, true, 4096, 2048, 512, false), f);
        Map<String, String> keys = run.backend().published;
        assertEquals("4", keys.get("ring-page-order"));
        assertEquals("4", keys.get("multi-queue-num-queues"));
        assertEquals("x86_64-abi", keys.get("protocol"));
        assertEquals("1", keys.get("feature-persistent"));
        for (int q = 0; q < 4; q++) {
            for (int p = 0; p < 16; p++) {
                assertTrue(keys.containsKey("queue-" + q + "/ring-ref" + p), keys.toString());
            }
            assertTrue(keys.containsKey("queue-" + q + "/event-channel"), keys.toString());
        }
        assertFalse(keys.containsKey("ring-ref"), "no top-level ring-ref with several queues");
        assertFalse(keys.containsKey("event-channel"), "no top-level event-channel with several queues");
        // Closing -> Closed on both ends, nothing left mapped, no grant leaked
        assertEquals("6", run.xenstoreAfter().get("front/state"));
        assertEquals("6", run.xenstoreAfter().get("back/state"));
        assertEquals(0, run.mappingsAfter());
        assertEquals(0, run.stats().block().grantsLeaked());
    }

    @Test
    void shouldFallBackToOneSinglePageRingWhenTheBackendOffersNothing() throws Exception {
        Scripted w = new Scripted(opts(4, 4, true, true), (disk, env) -> {
            disk.write(8, filled(65536, 2));          // 16 pages: split in direct requests of 11 segments
            MemorySegment back = MemorySegment.ofArray(new byte[65536]);
            disk.read(8, back);
            assertArrayEquals(filled(65536, 2).toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
            assertThrows(UnsupportedOperationException.class, disk::flushAsync);
            assertThrows(UnsupportedOperationException.class, () -> disk.discardAsync(0, 8));
        });
        Run run = boot(w, "pvkit.blk=off", be -> {
            be.offer.maxRingPageOrder = -1;
            be.offer.maxQueues = -1;
            be.offer.maxIndirectSegments = -1;
            be.offer.persistent = false;
            be.offer.flush = false;
            be.offer.discard = false;
        });
        run.assertDone();
        assertEquals(new BlockFeatures(0, 1, 0, false, false, false, 4096, 2048, 512, false), w.features);
        Map<String, String> keys = run.backend().published;
        assertFalse(keys.containsKey("ring-page-order"), keys.toString());
        assertFalse(keys.containsKey("multi-queue-num-queues"), keys.toString());
        assertTrue(keys.containsKey("ring-ref") && keys.containsKey("event-channel"), keys.toString());
        assertEquals("1", keys.get("feature-persistent"), "the frontend still offers persistent grants");
        assertEquals(0, run.backend().indirectRequests.get());
        assertEquals(4, run.backend().directRequests.get(), "16 pages twice, as 11 + 5 segments");
        assertEquals(11, run.backend().maxSegmentsSeen);
        assertEquals(0, run.backend().mapFailures.get(), "read-only grants for writes, read-write for reads");
    }

    @Test
    void shouldTakeTheSmallerOfWhatItAsksAndWhatTheBackendOffers() throws Exception {
        Scripted asksLess = new Scripted(opts(1, 2, false, false), (disk, env) -> disk.write(0, filled(4096, 3)));
        Run run = boot(asksLess, "pvkit.blk=off", be -> { });
        run.assertDone();
        assertEquals(new BlockFeatures(1, 2, 0, false, true, true, 4096, 2048, 512, false), asksLess.features);
        assertEquals("0", run.backend().published.get("feature-persistent"));
        assertEquals("1", run.backend().published.get("ring-page-order"));
        assertTrue(run.backend().published.containsKey("queue-1/ring-ref1"));

        Scripted offeredLess = new Scripted(opts(4, 4, true, true), (disk, env) -> disk.write(0, filled(4096, 3)));
        run = boot(offeredLess, "pvkit.blk=off", be -> {
            be.offer.maxRingPageOrder = 2;
            be.offer.maxQueues = 3;
            be.offer.maxIndirectSegments = 32;
        });
        run.assertDone();
        assertEquals(new BlockFeatures(2, 3, 32, true, true, true, 4096, 2048, 512, false), offeredLess.features);
    }

    @Test
    void shouldPublishAMultiPageRingOfOneQueueAtTheTopLevel() throws Exception {
        Scripted w = new Scripted(opts(2, 1, true, true), (disk, env) -> disk.write(0, filled(4096, 3)));
        Run run = boot(w, "pvkit.blk=off", be -> { });
        run.assertDone();
        Map<String, String> keys = run.backend().published;
        assertEquals("2", keys.get("ring-page-order"));
        for (int p = 0; p < 4; p++) {
            assertTrue(keys.containsKey("ring-ref" + p), keys.toString());
        }
        assertTrue(keys.containsKey("event-channel"), keys.toString());
        assertFalse(keys.containsKey("ring-ref"), "no ring-ref without a page number with a multi-page ring");
        assertFalse(keys.containsKey("multi-queue-num-queues"), keys.toString());
        assertEquals(1, w.features.queues());
    }

    @Test
    void shouldRetryTheTransactionWhenXenstoreSaysEagain() throws Exception {
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> disk.write(0, filled(4096, 3)));
        ReferenceGuest guest = ReferenceGuest.entryPoint(GuestOptions.builder().workload(w).build());
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.knobs.vbd = true;
            hv.knobs.echoDevice = false;   // the block device's transaction is the only one
            hv.build("pvkit.blk=off");
            hv.xenstorePeer().failCommits.set(2);
            hv.start(guest).join(60_000);
            assertEquals(GuestState.DONE, guest.stats().state(), () -> String.valueOf(guest.stats().failure()));
            assertEquals(0, hv.xenstorePeer().failCommits.get(), "both EAGAIN commits were consumed and retried");
            assertEquals("1", hv.blockBackend().published.get("feature-persistent"), "the retried transaction wrote the keys");
            assertEquals(1, hv.blockBackend().writes(), "and the device worked");
        }
    }

    @Test
    void shouldRefuseAnInvalidGeometry() throws Exception {
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> { });
        Run run = boot(w, "pvkit.blk=off", be -> be.extraKeys.put("sector-size", "1000"));
        assertEquals(GuestState.FAILED, run.stats().state());
        assertTrue(run.stats().failure().getMessage().contains("sector-size 1000 is not a power of two in 512..4096"),
                run.stats().failure().getMessage());
        assertEquals("6", run.xenstoreAfter().get("front/state"), "the frontend closed the device it could not use");
        assertEquals(0, run.mappingsAfter(), "the backend unmapped the rings after the close");
    }

    @Test
    void shouldRefuseWritesToAReadOnlyDisk() throws Exception {
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> {
            assertTrue(disk.features().readOnly());
            assertThrows(UnsupportedOperationException.class, () -> disk.writeAsync(0, filled(512, 1)));
            assertThrows(IllegalArgumentException.class, () -> disk.readAsync(0, filled(512, 1).asReadOnly()));
            assertThrows(IllegalArgumentException.class, () -> disk.readAsync(0, MemorySegment.ofArray(new byte[500])));
            assertThrows(IllegalArgumentException.class, () -> disk.readAsync(2047, MemorySegment.ofArray(new byte[1024])),
                    "past the end");
            assertThrows(IllegalArgumentException.class, () -> disk.readAsync(-1, MemorySegment.ofArray(new byte[512])));
            assertEquals(0, disk.outstanding(), "refused requests leave nothing behind");
            disk.read(0, MemorySegment.ofArray(new byte[512]));
        });
        boot(w, "pvkit.blk=off", be -> be.offer.readOnly = true).assertDone();
    }

    @Test
    void shouldCrashWithAClearMessageWhenTheBackendWritesAMalformedFeature() throws Exception {
        Scripted w = new Scripted(opts(4, 4, true, true), (disk, env) -> { });
        Run run = boot(w, "pvkit.blk=off", be -> be.extraKeys.put("multi-queue-max-queues", "4x"));
        assertEquals(GuestState.FAILED, run.stats().state());
        assertTrue(run.stats().failure().getMessage().contains(
                "multi-queue-max-queues = '4x' is not an unsigned decimal number"), run.stats().failure().getMessage());
        assertEquals(0, run.mappingsAfter(), "nothing was mapped");
    }

    // ------------------------------------------------------------------------------------ request building

    @Test
    void shouldUseIndirectRequestsForLongTransfersWhenNegotiated() throws Exception {
        MemorySegment data = filled(256 * 4096, 4);   // 1 MiB: one request of 256 segments
        Scripted w = new Scripted(opts(0, 1, true, false), (disk, env) -> {
            assertEquals(256 * 8, disk.maxSectorsPerRequest());
            disk.write(0, data);
            MemorySegment back = MemorySegment.ofArray(new byte[256 * 4096]);
            disk.read(0, back);
            assertEquals(-1, data.mismatch(back));
            // a partial last page: 3 sectors
            disk.write(2040, filled(1536, 5));
            MemorySegment tail = MemorySegment.ofArray(new byte[1536]);
            disk.read(2040, tail);
            assertEquals(-1, filled(1536, 5).mismatch(tail));
        });
        Run run = boot(w, "pvkit.blk=off", be -> be.offer.sectors = 2048);
        run.assertDone();
        assertEquals(2, run.backend().indirectRequests.get());
        assertEquals(256, run.backend().maxSegmentsSeen);
        assertEquals(0, run.backend().mapFailures.get(), "indirect pages and write data are granted read-only");
        byte[] disk = run.backend().diskCopy();
        assertArrayEquals(Arrays.copyOf(data.toArray(ValueLayout.JAVA_BYTE), 2040 * 512), Arrays.copyOf(disk, 2040 * 512));
    }

    @Test
    void shouldSpreadRequestsOverEveryQueueOfAMultiPageMultiQueueDevice() throws Exception {
        Scripted w = new Scripted(opts(2, 4, true, true), (disk, env) -> {
            CompletableFuture<?>[] all = new CompletableFuture<?>[16];
            for (int i = 0; i < 16; i++) {
                all[i] = disk.writeAsync(i * 128L, filled(65536, 100 + i));
            }
            disk.awaitIdle();
            for (CompletableFuture<?> f : all) {
                assertTrue(f.isDone() && !f.isCompletedExceptionally());
            }
            for (int i = 0; i < 16; i++) {
                MemorySegment back = MemorySegment.ofArray(new byte[65536]);
                disk.read(i * 128L, back);
                assertEquals(-1, filled(65536, 100 + i).mismatch(back), "block " + i);
            }
            disk.flush();
            disk.discard(0, 32);
            MemorySegment zero = MemorySegment.ofArray(new byte[16384]);
            disk.read(0, zero);
            assertTrue(Arrays.equals(new byte[16384], zero.toArray(ValueLayout.JAVA_BYTE)), "discarded sectors read as zero");
            MemorySegment kept = MemorySegment.ofArray(new byte[65536]);
            disk.read(128, kept);
            assertEquals(-1, filled(65536, 101).mismatch(kept), "the next block is not discarded");
        });
        Run run = boot(w, "pvkit.blk=off", be -> { });
        run.assertDone();
        assertEquals(4, run.backend().requestsPerQueue.size(), "every queue served requests: "
                + run.backend().requestsPerQueue);
        assertEquals(1, run.backend().flushes.get());
        assertEquals(1, run.backend().discards.get());
        assertEquals(16 + 16 + 1, run.backend().indirectRequests.get(), "16 pages > 11: indirect");
        var s = run.stats().block();
        assertEquals(16, s.writes());
        assertEquals(18, s.reads());
        assertEquals(16L * 65536, s.bytesWritten());
        assertTrue(s.notificationsSent() > 0, "the first request kicks the parked backend");
        // the frontend polls its rings before it waits, so a fast backend may need no response event at all
        assertTrue(s.notificationsReceived() <= s.requests(), "at most one response event per request: "
                + s.notificationsReceived() + " for " + s.requests());
        assertEquals(36, s.latency().count());
        assertEquals(0, s.errors());
    }

    @Test
    void shouldBuildEveryRequestKindWithTheBlkifLayouts() throws Exception {
        Scripted w = new Scripted(opts(0, 1, true, false), (disk, env) -> {
            disk.write(10, filled(1536, 1));                                  // direct, 1 segment, sectors 0..2
            disk.read(16, MemorySegment.ofArray(new byte[12 * 4096]));        // 12 pages > 11: indirect
            disk.flush();
            disk.discard(64, 24);
        });
        Run run = boot(w, "pvkit.blk=off", be -> { });
        run.assertDone();
        java.util.List<byte[]> raw = run.backend().rawRequests;
        assertEquals(4, raw.size());
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.wrap(raw.get(0)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(BlkifOp.WRITE.code(), direct.get((int) BlkifRequestLayout.OPERATION_OFFSET));
        assertEquals(1, direct.get((int) BlkifRequestLayout.NR_SEGMENTS_OFFSET));
        assertEquals(TestBlockBackend.DEVID, Short.toUnsignedInt(direct.getShort((int) BlkifRequestLayout.HANDLE_OFFSET)));
        assertEquals(0, direct.getInt(4), "padding after handle is zero");
        assertTrue(direct.getLong((int) BlkifRequestLayout.ID_OFFSET) < 32, "id is a shadow index of the 32-slot ring");
        assertEquals(10, direct.getLong((int) BlkifRequestLayout.SECTOR_NUMBER_OFFSET));
        int seg0 = (int) BlkifRequestLayout.SEG_OFFSET;
        assertTrue(direct.getInt(seg0 + (int) BlkifRequestSegmentLayout.GREF_OFFSET) >= 8, "a grant reference above the reserved ones");
        assertEquals(0, direct.get(seg0 + (int) BlkifRequestSegmentLayout.FIRST_SECT_OFFSET));
        assertEquals(2, direct.get(seg0 + (int) BlkifRequestSegmentLayout.LAST_SECT_OFFSET));
        for (int i = seg0 + 8; i < BlkifRequestLayout.SIZE; i++) {
            assertEquals(0, raw.get(0)[i], "unused segment byte " + i);
        }

        java.nio.ByteBuffer ind = java.nio.ByteBuffer.wrap(raw.get(1)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(BlkifOp.INDIRECT.code(), ind.get((int) BlkifRequestIndirectLayout.OPERATION_OFFSET));
        assertEquals(BlkifOp.READ.code(), ind.get((int) BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET));
        assertEquals(12, ind.getShort((int) BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET));
        assertEquals(16, ind.getLong((int) BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET));
        assertEquals(TestBlockBackend.DEVID, Short.toUnsignedInt(ind.getShort((int) BlkifRequestIndirectLayout.HANDLE_OFFSET)));
        assertTrue(ind.getInt((int) BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET) >= 8);
        for (int p = 1; p < 8; p++) {
            assertEquals(0, ind.getInt((int) BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET + 4 * p), "unused indirect gref " + p);
        }
        java.util.List<int[]> segs = run.backend().segmentsOf.get(1);
        assertEquals(12, segs.size());
        assertEquals(12, segs.stream().mapToInt(x -> x[0]).distinct().count(), "one grant per page");
        assertTrue(segs.stream().allMatch(x -> x[1] == 0 && x[2] == 7), "whole pages");

        assertEquals(BlkifOp.FLUSH_DISKCACHE.code(), raw.get(2)[(int) BlkifRequestLayout.OPERATION_OFFSET]);
        assertEquals(0, raw.get(2)[(int) BlkifRequestLayout.NR_SEGMENTS_OFFSET]);
        java.nio.ByteBuffer dis = java.nio.ByteBuffer.wrap(raw.get(3)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(BlkifOp.DISCARD.code(), dis.get((int) BlkifRequestDiscardLayout.OPERATION_OFFSET));
        assertEquals(0, dis.get((int) BlkifRequestDiscardLayout.FLAG_OFFSET));
        assertEquals(64, dis.getLong((int) BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET));
        assertEquals(24, dis.getLong((int) BlkifRequestDiscardLayout.NR_SECTORS_OFFSET));
        assertEquals(0, run.backend().mapFailures.get(),
                "write data and indirect pages mapped read-only, read data read-write: the grants allow exactly that");
    }

    @Test
    void shouldFailTheOutstandingRequestsWhenTheBackendClosesTheDevice() throws Exception {
        Throwable[] seen = new Throwable[1];
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> {
            for (int i = 0; i < 8; i++) {
                disk.writeAsync(i * 8L, filled(4096, i));
            }
            try {
                disk.awaitIdle();
            } catch (RuntimeException e) {
                seen[0] = e;
            }
        });
        Run run = boot(w, "pvkit.blk=off", be -> be.closeAfterRequests = 3);
        run.assertDone();
        BlockDeviceFailedException e = assertInstanceOf(BlockDeviceFailedException.class, seen[0]);
        assertTrue(e.getMessage().contains("the backend closed"), e.getMessage());
        assertEquals(3, run.stats().block().writes());
        assertEquals(5, run.stats().block().errors());
        assertEquals("6", run.xenstoreAfter().get("front/state"));
        assertEquals("6", run.xenstoreAfter().get("back/state"));
        assertEquals(0, run.mappingsAfter());
    }

    // ------------------------------------------------------------------------------------ hostile backends

    /** A read (request 2) whose response is hostile: the device fails, no byte of the caller's buffer changes. */
    private static void hostileRead(TestBlockBackend.Hostile hostile, RingFault fault, String message) throws Exception {
        byte[] canary = new byte[8192];
        Arrays.fill(canary, (byte) 0x5A);
        MemorySegment buffer = MemorySegment.ofArray(canary.clone());
        MemorySegment other = MemorySegment.ofArray(canary.clone());
        Throwable[] seen = new Throwable[3];
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> {
            disk.write(0, filled(8192, 9));                          // request 1: fine
            CompletableFuture<Void> bad = disk.readAsync(0, buffer);   // request 2: hostile answer
            try {
                disk.await(bad);
            } catch (RuntimeException e) {
                seen[0] = e;
            }
            assertEquals(BlockDeviceState.FAILED, disk.state());
            seen[1] = assertThrows(BlockDeviceFailedException.class, () -> disk.read(0, other));
            CompletableFuture<Void> later = disk.readAsync(0, other);
            seen[2] = assertThrows(CompletionException.class, later::join).getCause();
        });
        Run run = boot(w, "pvkit.blk=off", be -> {
            be.hostile = hostile;
            be.hostileAt = 2;
        });
        run.assertDone();
        BlockDeviceFailedException e = assertInstanceOf(BlockDeviceFailedException.class, seen[0]);
        assertEquals(fault, e.fault(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertInstanceOf(BlockDeviceFailedException.class, seen[1]);
        assertInstanceOf(BlockDeviceFailedException.class, seen[2]);
        assertArrayEquals(canary, buffer.toArray(ValueLayout.JAVA_BYTE), "the failed read's buffer is untouched");
        assertArrayEquals(canary, other.toArray(ValueLayout.JAVA_BYTE), "later reads touch nothing");
        assertEquals(BlockDeviceState.FAILED, run.stats().block().deviceState());
        assertTrue(run.stats().block().errors() >= 1);
        assertEquals("6", run.xenstoreAfter().get("front/state"), "a failed device still closes");
    }

    @Test
    void shouldFailTheDeviceOnAResponseIdOutOfRange() throws Exception {
        hostileRead(TestBlockBackend.Hostile.ID_OUT_OF_RANGE, RingFault.RESPONSE_ID_OUT_OF_RANGE, "broke the protocol");
    }

    @Test
    void shouldFailTheDeviceOnAResponseForNoOutstandingRequest() throws Exception {
        byte[] canary = new byte[4096];
        Throwable[] seen = new Throwable[1];
        Scripted w = new Scripted(opts(0, 1, true, true), (disk, env) -> {
            disk.write(0, filled(4096, 9));
            try {
                disk.write(8, filled(4096, 10));
                disk.read(0, MemorySegment.ofArray(canary));
            } catch (RuntimeException e) {
                seen[0] = e;
            }
        });
        Run run = boot(w, "pvkit.blk=off", be -> {
            be.hostile = TestBlockBackend.Hostile.ID_NOT_OUTSTANDING;
            be.hostileAt = 2;
        });
        run.assertDone();
        BlockDeviceFailedException e = assertInstanceOf(BlockDeviceFailedException.class, seen[0]);
        assertEquals(RingFault.RESPONSE_ID_NOT_OUTSTANDING, e.fault(), e.getMessage());
        assertArrayEquals(new byte[4096], canary, "the read after the failure did not touch its buffer");
    }

    @Test
    void shouldFailTheDeviceOnAWrongOperation() throws Exception {
        hostileRead(TestBlockBackend.Hostile.WRONG_OPERATION, RingFault.RESPONSE_REJECTED,
                "response operation 1 answers a request of operation 0");
    }

    @Test
    void shouldFailTheDeviceOnAnUnknownStatus() throws Exception {
        hostileRead(TestBlockBackend.Hostile.UNKNOWN_STATUS, RingFault.RESPONSE_REJECTED, "status 7 is not a BLKIF_RSP_");
    }

    @Test
    void shouldFailTheDeviceOnAResponseProducerOverflow() throws Exception {
        hostileRead(TestBlockBackend.Hostile.RSP_PROD_OVERFLOW, RingFault.RESPONSE_PROD_OVERFLOW, "broke the protocol");
    }

    @Test
    void shouldReportAnErrorStatusAndKeepTheDeviceUsable() throws Exception {
        byte[] canary = new byte[4096];
        Arrays.fill(canary, (byte) 0x33);
        MemorySegment buffer = MemorySegment.ofArray(canary.clone());
        Throwable[] seen = new Throwable[1];
        Scripted w = new Scripted(opts(0, 1, true, false), (disk, env) -> {
            disk.write(0, filled(4096, 9));
            seen[0] = assertThrows(BlockIoException.class, () -> disk.read(0, buffer));
            assertEquals(BlockDeviceState.CONNECTED, disk.state());
            MemorySegment ok = MemorySegment.ofArray(new byte[4096]);
            disk.read(0, ok);
            assertEquals(-1, filled(4096, 9).mismatch(ok));
        });
        Run run = boot(w, "pvkit.blk=off", be -> {
            be.hostile = TestBlockBackend.Hostile.ERROR_STATUS;
            be.hostileAt = 2;
        });
        run.assertDone();
        BlockIoException e = (BlockIoException) seen[0];
        assertEquals(BlkifOp.READ, e.operation());
        assertEquals(-1, e.status());
        assertArrayEquals(canary, buffer.toArray(ValueLayout.JAVA_BYTE), "an error response copies nothing");
        assertEquals(1, run.stats().block().errors());
        assertEquals(BlockDeviceState.CONNECTED, w.stateAtEnd);
        assertEquals(0, run.stats().block().grantsLeaked());
        assertNull(run.stats().failure());
    }

    // ------------------------------------------------------------------------------------ callback form

    @Test
    void shouldCompleteEveryCallbackRequestOnceWithItsTagAndItsOwnData() throws Exception {
        int blocks = 48;
        long[] calls = new long[blocks + 1];
        RuntimeException[] failures = new RuntimeException[1];
        Scripted w = new Scripted(opts(0, 1, false, true), (disk, env) -> {
            // more requests than the queue depth (16): reused shadows and operations must never mix two requests
            for (int b = 0; b < blocks; b++) {
                disk.writeAsync(8L * b, filled(4096, 100 + b), b, (tag, e) -> {
                    calls[(int) tag]++;
                    if (e != null) {
                        failures[0] = e;
                    }
                });
            }
            disk.awaitIdle();
            MemorySegment[] back = new MemorySegment[blocks];
            for (int b = 0; b < blocks; b++) {
                back[b] = MemorySegment.ofArray(new byte[4096]);
                disk.readAsync(8L * b, back[b], b, (tag, e) -> {
                    calls[(int) tag]++;
                    if (e != null) {
                        failures[0] = e;
                    }
                });
            }
            // a transfer that splits into two requests (16 pages, 11 direct segments each): one callback, at the end
            MemorySegment big = MemorySegment.ofArray(new byte[65536]);
            disk.readAsync(0, big, blocks, (tag, e) -> calls[(int) tag]++);
            disk.awaitIdle();
            for (int b = 0; b < blocks; b++) {
                assertEquals(-1, filled(4096, 100 + b).mismatch(back[b]), "block " + b);
            }
            for (int b = 0; b < 16; b++) {
                assertEquals(-1, filled(4096, 100 + b).mismatch(big.asSlice(4096L * b, 4096)), "page " + b + " of the split read");
            }
        });
        Run run = boot(w, "pvkit.blk=off", be -> { });
        run.assertDone();
        assertNull(failures[0]);
        for (int b = 0; b < blocks; b++) {
            assertEquals(2, calls[b], "tag " + b + ": one write and one read");
        }
        assertEquals(1, calls[blocks], "the split read completes once");
        assertEquals(0, run.stats().block().grantsLeaked());
    }

    @Test
    void shouldReportAnErrorStatusToTheCallback() throws Exception {
        RuntimeException[] seen = new RuntimeException[3];
        Scripted w = new Scripted(opts(0, 1, true, false), (disk, env) -> {
            for (int t = 0; t < 3; t++) {
                disk.readAsync(8L * t, MemorySegment.ofArray(new byte[4096]), t, (tag, e) -> seen[(int) tag] = e);
            }
            disk.awaitIdle();
            assertEquals(BlockDeviceState.CONNECTED, disk.state());
        });
        Run run = boot(w, "pvkit.blk=off", be -> {
            be.hostile = TestBlockBackend.Hostile.ERROR_STATUS;
            be.hostileAt = 2;
        });
        run.assertDone();
        assertNull(seen[0]);
        BlockIoException e = assertInstanceOf(BlockIoException.class, seen[1]);
        assertEquals(BlkifOp.READ, e.operation());
        assertNull(seen[2]);
    }
}
