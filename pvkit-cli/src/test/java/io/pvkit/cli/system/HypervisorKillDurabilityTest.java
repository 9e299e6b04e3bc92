package io.pvkit.cli.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.guest.ConsoleVerbosity;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hypervisor death (issue 13): the hypervisor process is killed with {@code kill -9}
 * ({@link Process#destroyForcibly()}) while its guests write, and a restarted hypervisor on the same image files
 * shows every write the guests had seen acknowledged.
 *
 * <p>Each trial starts a {@link HypervisorKillChild} JVM: the real {@link Hypervisor} with domain 0's blkback
 * over two image files, and two guests that first read back every block (the restarted hypervisor's view of what
 * the previous, killed, one left: through blkfront and blkback), then write {@link SectorStamp}ed blocks, one
 * guest without ever flushing ({@code noflush}), the other flushing after each batch of 8 acknowledged writes
 * ({@code flush}). The test reads each guest's issue and acknowledgement lines from the child's standard output
 * and kills the process after a different number of acknowledgements each time (20 kill points; both disks die
 * at each). After each kill, the image files are read directly and judged by the {@link WriteLedger}: every
 * sector holds the latest acknowledged write of its block or a later write that was in flight (never an older
 * one, never anything torn within a sector), blocks never written still hold the initial fill, and the file
 * kept its size. The next hypervisor's read-back through blkback must equal that direct read; after the last
 * kill a hypervisor in this JVM reads everything back once more. Before the kills, a first hypervisor writes 64
 * blocks per disk and exits normally (a clean restart). The guests write only the first 224 of the 256 blocks:
 * the last 32 must keep the initial fill. To keep the test short (JVM and hypervisor start dominate a trial),
 * the next two hypervisor processes are started while the current one runs, but each creates its guests (and so
 * opens the images) only after the previous one is dead.
 *
 * <p>What this proves is the promise for process death: an acknowledged write is in the host's page cache and
 * survives the hypervisor process. A flush's stronger promise (on stable storage, surviving power loss) cannot
 * be shown by killing a process, since the page cache survives it either way; the flush mode shows that flushes
 * interleaved with the writes do not change what survives.
 */
@Timeout(300)
class HypervisorKillDurabilityTest {
    private static final int KILLS = Integer.getInteger("pvkit.death.kills", 20);
    private static final long DISK = 1L << 20;
    private static final int SECTORS_PER_BLOCK = StampWorkload.BLOCK / SectorStamp.SECTOR;
    private static final String EOF = "\u0000EOF";
    private static final List<String> PHASES = java.util.Collections.synchronizedList(new ArrayList<>());
    private int restarts;
    private static final List<String> GUESTS = List.of("noflush", "flush");
    /** Hypervisor processes started ahead of their trial (JVM and hypervisor start dominate a trial). */
    private static final int AHEAD = 2;

    @TempDir
    Path dir;

    /** One disk under test. */
    private static final class Disk {
        final String name;
        final Path image;
        final int flushEvery;
        final WriteLedger ledger = new WriteLedger(DISK / StampWorkload.BLOCK, SECTORS_PER_BLOCK);
        long[] lastDirect;
        final List<String> readBack = new ArrayList<>();
        long readBacksCompared;
        long ackedAtKills;
        long inFlightAtKills;

        Disk(String name, Path image, int flushEvery) {
            this.name = name;
            this.image = image;
            this.flushEvery = flushEvery;
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillNineOfTheHypervisor() throws Exception {
        long seed = Long.getLong("pvkit.death.seed", System.nanoTime());
        System.out.println("[hypervisor-death] seed " + seed + " (replay: -Dpvkit.death.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Disk> disks = new LinkedHashMap<>();
        for (String g : GUESTS) {
            Path image = dir.resolve(g + ".img");
            SectorStamp.initialise(image, DISK);
            disks.put(g, new Disk(g, image, g.equals("flush") ? 8 : 0));
        }
        for (Disk d : disks.values()) {
            d.lastDirect = SectorStamp.readImage(d.image);
            assertTrue(d.ledger.judge(d.lastDirect).ok(), "the initial fill");
        }
        // a first hypervisor that writes 64 blocks per disk and exits normally: a clean restart before the kills;
        // the hypervisors of the first trials start meanwhile (their guests wait for "go")
        Child warmUp = launch(-1, seed, 64, disks);
        warmUp.go();
        ArrayDeque<Child> ahead = new ArrayDeque<>();
        int launched = 0;
        List<Integer> targets = new ArrayList<>();
        long started = System.nanoTime();
        try {
            while (ahead.size() < AHEAD && launched < KILLS) {
                ahead.add(launch(launched++, seed, Long.MAX_VALUE / 4, disks));
            }
            for (int attempt = 1; !runToEnd(warmUp, disks); attempt++) {
                assertTrue(attempt < 4, "hypervisor start failed 3 times: " + read(warmUp.err()));
                restarts++;
                warmUp = launch(-1, seed, 64, disks);
                warmUp.go();
            }
            for (int k = 0; k < KILLS; k++) {
                // kill points: a few right after the first acknowledgements, the rest spread over 600 writes
                int target = k < 4 ? 1 + random.nextInt(4) : 8 + random.nextInt(600);
                targets.add(target);
                Child current = ahead.poll();
                if (launched < KILLS) {
                    ahead.add(launch(launched++, seed, Long.MAX_VALUE / 4, disks));
                }
                for (int attempt = 1; ; attempt++) {
                    if (!startFailed(current)) {
                        current.go();   // the previous hypervisor is dead: this one may open the images
                        if (trial(current, k, target, disks)) {
                            break;
                        }
                    }
                    // domain 0 did not come up within the hypervisor's 5 s (a very busy machine): the process
                    // ended before its guests opened the images; another one runs this trial
                    assertTrue(attempt < 4, "hypervisor start failed 3 times: " + read(current.err()));
                    restarts++;
                    current = launch(k, seed, Long.MAX_VALUE / 4, disks);
                }
            }
        } finally {
            warmUp.process().destroyForcibly();
            ahead.forEach(c -> c.process().destroyForcibly());
        }
        long trialsMillis = (System.nanoTime() - started) / 1_000_000;
        finalReadBack(disks);
        System.out.println("[hypervisor-death] a hypervisor process, mean ms: " + phases());
        System.out.println("[hypervisor-death] " + KILLS + " kill points (kill -9 of the hypervisor process after "
                + targets + " acknowledgements of the noflush guest's writes), " + trialsMillis + " ms; hypervisor "
                + "processes whose domain 0 did not start in time (busy machine) and were replaced: " + restarts);
        for (Disk d : disks.values()) {
            long[] gens = SectorStamp.readImage(d.image);
            WriteLedger.Verdict v = d.ledger.judge(gens);
            long found = d.ledger.acknowledgedFound(gens);
            System.out.println("[hypervisor-death] " + d.name + ": " + KILLS + " kill points; writes issued "
                    + d.ledger.issuedTotal() + ", acknowledged " + d.ledger.ackedCount() + ", acknowledged and found "
                    + found + " (intact, or overwritten by a later write to the same blocks); flushes acknowledged "
                    + d.ledger.flushes() + "; in flight at a kill " + d.ledger.unacked() + "; blocks at their latest "
                    + "acknowledged write " + v.blocksAtLatestAck() + ", holding a later in-flight write "
                    + v.blocksPastLatestAck() + ", torn between sectors " + v.tornBlocks() + ", never written (initial "
                    + "fill intact) " + v.blocksNeverWritten() + "; mismatches " + v.mismatches()
                    + "; read-backs through blkback equal to the file " + d.readBacksCompared);
            assertEquals(d.ledger.ackedCount(), found, d.name + ": acknowledged writes found");
            assertTrue(v.ok(), d.name + ": " + v.firstMismatch());
            assertTrue(d.ledger.ackedCount() >= KILLS, d.name + ": too few writes acknowledged to mean anything");
            assertEquals(DISK / StampWorkload.BLOCK - HypervisorKillChild.WRITE_BLOCKS, v.blocksNeverWritten(),
                    d.name + ": blocks never written");
            assertEquals(KILLS + 2, d.readBacksCompared, d.name + ": read-backs compared");
        }
        assertTrue(disks.get("flush").ledger.flushes() > 0, "the flush guest flushed");
    }

    /** A hypervisor process, started, its guests waiting for {@link #go}. */
    private record Child(int k, Process process, BlockingQueue<String> lines, Path err, Thread reader) {
        void go() throws java.io.IOException {
            try {
                process.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
                process.getOutputStream().flush();
            } catch (java.io.IOException e) {
                throw new AssertionError("hypervisor process " + k + " ended before its trial (exit "
                        + (process.isAlive() ? "none" : process.exitValue()) + "); output: " + lines + "; stderr: "
                        + read(err), e);
            }
        }
    }

    private Child launch(int k, long seed, long maxWrites, Map<String, Disk> disks) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"),
                HypervisorKillChild.class.getName(), Long.toString(seed + k), Long.toString(maxWrites)));
        // generations are unique over trials and disks: a block of one disk found in the other would name its writer
        long firstGen = (k + 2L) * 10_000_000L;
        for (Disk d : disks.values()) {
            cmd.addAll(List.of(d.name, d.image.toString(), Long.toString(firstGen), Integer.toString(d.flushEvery)));
            firstGen += 5_000_000L;
        }
        Path err = dir.resolve("child-" + k + ".err");
        // standard output goes to a file, not a pipe: after a kill, a pipe's unread bytes can be lost to the reader
        // (the JDK closes the stream of an ended process under it: "Stream closed"); the file keeps every line
        Path outFile = dir.resolve("child-" + k + "-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(outFile.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> tail(outFile, p, lines));
        return new Child(k, p, lines, err, reader);
    }

    /**
     * The warm-up hypervisor: its guests write their budget, power off, and the process exits by itself. False
     * when its hypervisor did not start (and another process must run it).
     */
    private static boolean runToEnd(Child c, Map<String, Disk> disks) throws Exception {
        Map<String, Long> acks = new HashMap<>();
        Map<String, Long> issues = new HashMap<>();
        int ends = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            String line = c.lines().poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(line, () -> "warm-up: no progress within 90 s; stderr: " + read(c.err()));
            if (line.equals(EOF)) {
                if (ends == 0 && acks.isEmpty() && c.process().waitFor(10, TimeUnit.SECONDS) && startFailed(c)) {
                    return false;
                }
                break;
            }
            if (line.contains(" END ")) {
                assertTrue(line.endsWith(" END POWEROFF null"), () -> "warm-up: " + line + "; " + read(c.err()));
                ends++;
            } else {
                handle(line, disks, acks, issues);
            }
        }
        assertTrue(c.process().waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, c.process().exitValue(), () -> read(c.err()));
        assertEquals(disks.size(), ends, "every warm-up guest powered off");
        for (Disk d : disks.values()) {
            assertEquals(64, acks.getOrDefault(d.name, 0L), d.name + ": every warm-up write acknowledged");
            long[] now = SectorStamp.readImage(d.image);
            WriteLedger.Verdict v = d.ledger.judge(now);
            assertTrue(v.ok(), () -> "warm-up, " + d.name + ": " + v.firstMismatch());
            d.lastDirect = now;
        }
        return true;
    }

    /** Follows the file {@code out} that process {@code p} writes, line by line, until it ended; then {@link #EOF}. */
    private static void tail(Path out, Process p, BlockingQueue<String> lines) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(out)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
            java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
            long at = 0;
            while (true) {
                boolean ended = !p.isAlive();   // checked before reading: what it wrote before it ended is read below
                buf.clear();
                int n = ch.read(buf, at);
                if (n > 0) {
                    at += n;
                    for (int i = 0; i < n; i++) {
                        byte c = buf.get(i);
                        if (c == '\n') {
                            lines.add(partial.toString(StandardCharsets.UTF_8));
                            partial.reset();
                        } else {
                            partial.write(c);
                        }
                    }
                    continue;
                }
                if (ended) {
                    if (partial.size() > 0) {
                        lines.add(partial.toString(StandardCharsets.UTF_8));
                    }
                    return;
                }
                Thread.sleep(2);
            }
        } catch (Exception e) {
            lines.add("reader " + e);
        } finally {
            lines.add(EOF);
        }
    }

    /** Whether the process ended because its hypervisor did not start (then it never touched the images). */
    private static boolean startFailed(Child c) throws InterruptedException {
        return c.process().waitFor(0, TimeUnit.MILLISECONDS) && read(c.err()).contains("domain 0 did not start");
    }

    /** Runs trial {@code k}; false when the hypervisor did not start and another process must run it. */
    private boolean trial(Child c, int k, int target, Map<String, Disk> disks) throws Exception {
        Process p = c.process();
        BlockingQueue<String> lines = c.lines();
        Path err = c.err();
        Thread reader = c.reader();
        Map<String, Long> acks = new HashMap<>();
        Map<String, Long> issues = new HashMap<>();
        int readsDone = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (readsDone < disks.size() || acks.getOrDefault("noflush", 0L) < target) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertNotNull(line, () -> "trial " + k + ": no progress within 60 s; stderr: " + read(err));
                if (line.equals(EOF) && readsDone == 0 && acks.isEmpty() && p.waitFor(10, TimeUnit.SECONDS)
                        && startFailed(c)) {
                    return false;
                }
                assertTrue(!line.equals(EOF), () -> "trial " + k + ": the hypervisor process ended before the kill: "
                        + read(err));
                readsDone += handle(line, disks, acks, issues) ? 1 : 0;
            }
        } finally {
            p.destroyForcibly();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed process ended");
        reader.join(30_000);
        assertTrue(!reader.isAlive(), "all of the killed process's output was read");
        // what the guests printed before they died was acknowledged too: the pipe keeps it after the kill
        for (String line = lines.poll(); line != null && !line.equals(EOF); line = lines.poll()) {
            handle(line, disks, acks, issues);
        }
        for (Disk d : disks.values()) {
            assertEquals(DISK, Files.size(d.image), d.name + ": the image kept its size");
            long[] now = SectorStamp.readImage(d.image);
            WriteLedger.Verdict v = d.ledger.judge(now);
            assertTrue(v.ok(), () -> "trial " + k + ", " + d.name + ", killed after " + acks + " acknowledgements: "
                    + v.firstMismatch());
            d.lastDirect = now;
            d.ackedAtKills += acks.getOrDefault(d.name, 0L);
            d.inFlightAtKills += issues.getOrDefault(d.name, 0L) - acks.getOrDefault(d.name, 0L);
        }
        return true;
    }

    /** Routes one child line; returns true when it ends a guest's read-back. */
    private static boolean handle(String line, Map<String, Disk> disks, Map<String, Long> acks, Map<String, Long> issues) {
        if (line.startsWith("# ")) {
            PHASES.add(line);
            return false;
        }
        int sp = line.indexOf(' ');
        Disk d = sp < 0 ? null : disks.get(line.substring(0, sp));
        if (d == null) {
            return false;   // not a workload line (a diagnostic)
        }
        String rest = line.substring(sp + 1);
        if (rest.startsWith("R ")) {
            d.readBack.add(rest);
        } else if (rest.startsWith("READ ")) {
            compareReadBack(d);
            return true;
        } else if (rest.startsWith("END ")) {
            throw new AssertionError(d.name + " ended before the kill: " + rest);
        } else {
            if (rest.startsWith("A ")) {
                acks.merge(d.name, 1L, Long::sum);
            } else if (rest.startsWith("I ")) {
                issues.merge(d.name, 1L, Long::sum);
            }
            d.ledger.record(rest);
        }
        return false;
    }

    /** The read-back through blkback equals the image file as read directly after the kill, sector by sector. */
    private static void compareReadBack(Disk d) {
        long[] gens = parseReadBack(d.readBack, d.lastDirect.length);
        d.readBack.clear();
        assertArrayEquals(d.lastDirect, gens, d.name + ": what the restarted hypervisor's blkback read back differs"
                + " from the image file");
        WriteLedger.Verdict v = d.ledger.judge(gens);
        assertTrue(v.ok(), () -> d.name + " read back through blkback: " + v.firstMismatch());
        d.readBacksCompared++;
    }

    private static long[] parseReadBack(List<String> rLines, int sectors) {
        long[] gens = new long[sectors];
        java.util.Arrays.fill(gens, Long.MIN_VALUE);
        for (String r : rLines) {
            String[] w = r.split(" ");
            int block = Integer.parseInt(w[1]);
            String[] g = w[2].split(",");
            for (int s = 0; s < SECTORS_PER_BLOCK; s++) {
                gens[block * SECTORS_PER_BLOCK + s] = Long.parseLong(g.length == 1 ? g[0] : g[s]);
            }
        }
        for (long g : gens) {
            assertTrue(g != Long.MIN_VALUE, "a block was not read back");
        }
        return gens;
    }

    /** A last restart, in this JVM: the guests read every block back through blkfront and blkback. */
    private static void finalReadBack(Map<String, Disk> disks) throws Exception {
        try (Hypervisor hv = Hypervisor.start(HypervisorConfig.quiet())) {
            Map<Disk, List<String>> lines = new HashMap<>();
            List<Domain> domains = new ArrayList<>();
            for (Disk d : disks.values()) {
                List<String> l = java.util.Collections.synchronizedList(new ArrayList<>());
                lines.put(d, l);
                StampWorkload w = new StampWorkload(new StampWorkload.Plan(true, 0, 0, 0, 8, 2, 0, 0), l::add);
                domains.add(hv.createDomain(new DomainConfig(d.name, 1024, 1, false, ReferenceGuest.entryPoint(
                        GuestOptions.builder().workload(w).verbosity(ConsoleVerbosity.QUIET).build()), "pvkit.blk=off",
                        new MemoryBacking.Arena()).withDisks(List.of(DiskConfig.writable(d.image)))));
            }
            for (Domain dom : domains) {
                assertTrue(dom.awaitShutdown(Duration.ofSeconds(60)), dom.info().toString());
                assertEquals(ShutdownReason.POWEROFF, dom.info().shutdownReason(), dom.info()::toString);
            }
            for (Disk d : disks.values()) {
                List<String> l = lines.get(d);
                assertTrue(l.getLast().startsWith("READ "), d.name + ": " + l.getLast());
                d.readBack.addAll(l.stream().filter(x -> x.startsWith("R ")).toList());
                compareReadBack(d);
            }
        }
    }

    /** The children's phase lines, averaged: JVM start to main, to hypervisor up; go to guests connected. */
    private static String phases() {
        Map<String, java.util.LongSummaryStatistics> m = new java.util.TreeMap<>();
        synchronized (PHASES) {
            for (String l : PHASES) {
                String[] w = l.split(" ");
                m.computeIfAbsent(w[1], x -> new java.util.LongSummaryStatistics()).accept(Long.parseLong(w[2]));
            }
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(Math.round(v.getAverage())));
        return b + " (main and hypervisor: since its JVM started; connected: since go)";
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
