package io.pvkit.guest;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.guest.block.BlockDeviceState;
import io.pvkit.guest.block.BlockPattern;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.guest.block.BlockVerifyException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real guest with a vbd: the echo rounds, then the block workload from the command line, against
 * {@link TestBlockBackend} (a test double); the disk the backend holds is checked with {@link BlockPattern}.
 */
class BlockWorkloadTest {

    private record Run(ReferenceGuest guest, TestBlockBackend backend, List<String> console, ShutdownReason reason,
                       byte[] disk, long maxRequestsSampled, String frontState, String backState, int mappings) {
        BlockStats block() {
            return guest.stats().block();
        }
    }

    private static Run boot(String cmdline, Consumer<TestBlockBackend> setUp) throws Exception {
        return boot(GuestOptions.builder().rounds(5).progressInterval(Duration.ofMillis(50)).build(), cmdline, setUp);
    }

    private static Run boot(GuestOptions options, String cmdline, Consumer<TestBlockBackend> setUp) throws Exception {
        ReferenceGuest guest = ReferenceGuest.entryPoint(options);
        try (TestHypervisor hv = new TestHypervisor()) {
            hv.knobs.vbd = true;
            setUp.accept(hv.blockBackend());
            hv.build(cmdline);
            AtomicLong sampled = new AtomicLong();
            Thread vcpu = hv.start(guest);
            // a progress display on another thread samples the live counters
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (vcpu.isAlive()) {
                    BlockStats b = guest.stats().block();
                    sampled.accumulateAndGet(b.requests(), Math::max);
                    b.latency();
                    b.notificationsPerRequest();
                    b.megabytesPerSecond();
                    Thread.onSpinWait();
                }
            });
            vcpu.join(120_000);
            sampler.join(5_000);
            assertFalse(vcpu.isAlive(), "the guest returned from enter");
            TestBlockBackend be = hv.blockBackend();
            long until = System.nanoTime() + 3_000_000_000L;
            while ((be.liveMappings() > 0 || hv.consoleDrained() < guest.stats().consoleBytes()) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            return new Run(guest, be, List.copyOf(hv.consoleLines), hv.shutdownReason(), be.diskCopy(), sampled.get(),
                    hv.xenstoreNode(TestBlockBackend.FRONT + "/state"), hv.xenstoreNode(TestBlockBackend.BACK + "/state"),
                    be.liveMappings());
        }
    }

    /** Every block of the pattern is on the disk, byte for byte, and the rest of the disk is zero. */
    private static void assertDiskHolds(BlockPattern p, byte[] disk) {
        for (long i = 0; i < p.blocks(); i++) {
            long lba = p.lbaOf(i);
            byte[] want = BlockPattern.expected(p.seed(), lba, p.blockSize());
            byte[] got = Arrays.copyOfRange(disk, (int) (lba * 512), (int) (lba * 512) + p.blockSize());
            assertArrayEquals(want, got, "block " + i);
        }
        for (int at = (int) (p.blocks() * p.blockSize()); at < disk.length; at++) {
            assertEquals(0, disk[at], "beyond the pattern at byte " + at);
        }
    }

    private static void assertDone(Run run) {
        assertEquals(GuestState.DONE, run.guest().stats().state(), () -> "failure " + run.guest().stats().failure()
                + "; console " + run.console() + "; backend " + run.backend().log);
        assertEquals(ShutdownReason.POWEROFF, run.reason());
        assertEquals(5, run.guest().stats().roundTrips(), "the echo ran first");
        assertEquals("6", run.frontState());
        assertEquals("6", run.backState());
        assertEquals(0, run.mappings(), "the backend unmapped everything");
        assertEquals(0, run.block().grantsLeaked());
        assertEquals(0, run.block().verifyMismatches());
        assertEquals(0, run.block().errors());
        assertEquals(BlockDeviceState.CLOSED, run.block().deviceState());
        assertTrue(run.maxRequestsSampled() > 0, "another thread saw the counters move");
    }

    @Test
    void shouldWriteAndVerifySequentialPassesWithEveryFeatureOn() throws Exception {
        Run run = boot("pvkit.blk.pattern=sequential pvkit.blk.bs=8192 pvkit.blk.qd=8 pvkit.blk.passes=2 pvkit.blk.seed=42",
                be -> { });
        assertDone(run);
        BlockStats b = run.block();
        assertEquals(2, b.passes());
        assertEquals(new BlockPattern(43, 8192, 128), b.pattern(), "the last pass's seed is seed + 1");
        assertEquals(2 * 128, b.blocksVerified());
        assertEquals(2 * 128, b.writes());
        assertEquals(2 * 128, b.reads());
        assertEquals(2, b.flushes());
        assertEquals(2, run.backend().flushes.get());
        assertEquals(2L * 128 * 8192, b.bytesWritten());
        assertEquals(b.bytesWritten(), b.bytesRead());
        assertTrue(b.iops() > 0 && b.megabytesPerSecond() > 0);
        assertTrue(b.latency().p99Nanos() >= b.latency().p50Nanos() && b.latency().p50Nanos() > 0);
        assertTrue(b.notificationsPerRequest() > 0 && b.notificationsPerRequest() <= 2.0 + 1e-9,
                "at most one notification each way per request: " + b.notificationsPerRequest());
        assertDiskHolds(b.pattern(), run.disk());
        // the demo's check of the image file after the run
        java.nio.file.Path image = java.nio.file.Files.createTempFile("pvkit-blk", ".img");
        try {
            java.nio.file.Files.write(image, run.disk());
            assertEquals(new BlockPattern.ImageCheck(128, 0, -1), b.pattern().verifyImage(image));
            byte[] bad = run.disk().clone();
            bad[8192 * 5 + 77] ^= 0x10;
            java.nio.file.Files.write(image, bad);
            assertEquals(new BlockPattern.ImageCheck(128, 1, 8192 * 5 + 77), b.pattern().verifyImage(image));
            java.nio.file.Files.write(image, Arrays.copyOf(run.disk(), 8192 * 100 + 10));
            BlockPattern.ImageCheck shortImage = b.pattern().verifyImage(image);
            assertEquals(28, shortImage.blocksDiffering(), "a truncated image lacks 28 blocks");
            assertEquals(8192 * 100 + 10, shortImage.firstDifference());
            assertFalse(shortImage.ok());
        } finally {
            java.nio.file.Files.delete(image);
        }
        assertTrue(run.console().contains("blk: pattern seed=43 bs=8192 blocks=128"), run.console().toString());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("blk: 2 passes, 256 blocks of 8192 bytes verified")),
                run.console().toString());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith("blk: /local/domain/1/device/vbd/51712 connected")),
                run.console().toString());
    }

    @Test
    void shouldWriteAndVerifyARandomPassWithIndirectRequestsAndNoPersistentGrants() throws Exception {
        Run run = boot("pvkit.blk.pattern=random pvkit.blk.bs=65536 pvkit.blk.qd=4 pvkit.blk.queues=2 "
                + "pvkit.blk.ringorder=1 pvkit.blk.persistent=off pvkit.blk.passes=1 pvkit.blk.seed=7", be -> { });
        assertDone(run);
        BlockStats b = run.block();
        assertEquals(new BlockPattern(7, 65536, 16), b.pattern());
        assertEquals(16, b.blocksVerified());
        assertEquals(2 * 16, run.backend().indirectRequests.get());
        assertEquals(2, run.backend().requestsPerQueue.size());
        assertEquals("0", run.backend().published.get("feature-persistent"));
        assertDiskHolds(b.pattern(), run.disk());
    }

    @Test
    void shouldWriteAndVerifyWithEveryFeatureOff() throws Exception {
        Run run = boot("pvkit.blk.bs=65536 pvkit.blk.qd=2 pvkit.blk.queues=1 pvkit.blk.ringorder=0 pvkit.blk.indirect=off "
                + "pvkit.blk.persistent=off pvkit.blk.flush=off pvkit.blk.seed=9", be -> { });
        assertDone(run);
        assertEquals(0, run.backend().indirectRequests.get());
        assertEquals(0, run.backend().flushes.get());
        assertEquals(11, run.backend().maxSegmentsSeen);
        assertEquals(16, run.block().blocksVerified());
        assertDiskHolds(run.block().pattern(), run.disk());
    }

    @Test
    void shouldCrashWithAMessageWhenReadBackDataDiffers() throws Exception {
        // 64 writes of 16 KiB, then the 3rd read gets one byte flipped by the backend
        Run run = boot("pvkit.blk.pattern=sequential pvkit.blk.bs=16384 pvkit.blk.qd=1 pvkit.blk.seed=5",
                be -> be.corruptReadAt = 64 + 1 + 3);   // writes, the flush, then reads
        assertEquals(GuestState.FAILED, run.guest().stats().state());
        assertEquals(ShutdownReason.CRASH, run.reason());
        assertInstanceOf(BlockVerifyException.class, run.guest().stats().failure());
        assertEquals(1, run.block().verifyMismatches());
        assertEquals(63, run.block().blocksVerified());
        assertTrue(run.console().stream().anyMatch(l -> l.startsWith(
                "crash: BlockVerifyException: blk: pass 1: 1 of 64 blocks differ from the pattern written (seed 5, bs 16384);"
                        + " first: block 2 (sector 64), byte 100 (its checksum does not match")), run.console().toString());
        assertEquals("6", run.frontState(), "the device closed before the crash");
    }

    @Test
    void shouldRunPassesUntilTheDurationWhenPassesIsZero() throws Exception {
        Run run = boot(GuestOptions.builder().duration(Duration.ofMillis(400)).build(),
                "pvkit.blk.passes=0 pvkit.blk.bs=65536 pvkit.blk.seed=100", be -> { });
        assertEquals(GuestState.DONE, run.guest().stats().state(), () -> String.valueOf(run.guest().stats().failure()));
        long passes = run.block().passes();
        assertTrue(passes >= 1, "at least one pass");
        assertTrue(run.guest().stats().roundTrips() > 0, "the echo ran for its duration first");
        assertEquals(new BlockPattern(100 + passes - 1, 65536, 16), run.block().pattern());
        assertDiskHolds(run.block().pattern(), run.disk());
    }

    @Test
    void shouldRunTheBlockWorkloadAloneWhenItIsTheOptionsWorkload() throws Exception {
        Run run = boot(GuestOptions.builder().workload(new io.pvkit.guest.block.BlockWorkload()).build(),
                "pvkit.blk.bs=65536 pvkit.blk.seed=1", be -> { });
        assertEquals(GuestState.DONE, run.guest().stats().state(), () -> String.valueOf(run.guest().stats().failure()));
        assertEquals(0, run.guest().stats().pingsSent(), "no echo");
        assertEquals(1, run.block().passes(), "run once, not again after itself");
        assertDiskHolds(run.block().pattern(), run.disk());
    }

    @Test
    void shouldNotRunTheBlockWorkloadWhenSwitchedOff() throws Exception {
        Run run = boot("pvkit.blk=off", be -> { });
        assertEquals(GuestState.DONE, run.guest().stats().state(), () -> String.valueOf(run.guest().stats().failure()));
        assertEquals(0, run.block().requests());
        assertEquals(0, run.backend().requests.get());
    }

    @Test
    void shouldCrashNamingTheKeyOfAMalformedSetting() throws Exception {
        Run run = boot("pvkit.blk.bs=1000", be -> { });
        assertEquals(GuestState.FAILED, run.guest().stats().state());
        assertTrue(run.console().stream().anyMatch(l -> l.contains("pvkit.blk.bs=1000 is not a multiple of 512")),
                run.console().toString());
    }
}
