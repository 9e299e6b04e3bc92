package io.pvkit.cli.system;

import static io.pvkit.cli.system.SystemAssertions.assertCountsReturnTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.DomainState;
import io.pvkit.hypervisor.GuestEvent;
import io.pvkit.hypervisor.GuestPolicy;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.ResourceCounts;
import io.pvkit.xenbus.XenbusClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest written in C ({@code examples/c-guest/pvkit_c_guest.c}, built here with gcc against Xen's public headers
 * from libxen-dev and pv-process's {@code pvkit_mailbox.h}) joins this process's hypervisor as its own process,
 * walks the xenbus handshake for its disk and writes, flushes, reads back and verifies blocks through pvkit's
 * blkback: the mailbox ABI is language-neutral. The image file must then hold the pattern, and the hypervisor
 * must release everything when the guest powers off, is killed with {@code kill -9} in the middle of its I/O, or
 * gives up because its backend closed the device under it.
 *
 * <p>Skipped, with the reason, when gcc or Xen's headers are missing; with {@code CI=true} they are required.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CGuestSystemTest {
    private static final long DISK = 4L << 20;
    private static final long FIRST_SECTOR = 256;
    private static final int KIB = 512;
    private static final int PASSES = 2;
    private static final long SEED = 7;

    private static Path exe;

    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<String> console = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<GuestEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
    private Path image;

    @BeforeAll
    static void build() throws Exception {
        Path root = Path.of(System.getProperty("pvkit.root", "..")).toAbsolutePath().normalize();
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String missing = !haveGcc() ? "gcc is not installed"
                : !Files.isRegularFile(Path.of("/usr/include/xen/io/blkif.h"))
                        ? "Xen's public headers are missing (/usr/include/xen, Debian package libxen-dev)" : null;
        if (ci && missing != null) {
            fail("CI=true: the C guest needs gcc and libxen-dev, but " + missing);
        }
        assumeTrue(missing == null, () -> "skipping the C guest: " + missing);
        Path out = Path.of("target", "c-guest");
        Files.createDirectories(out);
        exe = out.resolve("pvkit-c-guest").toAbsolutePath();
        List<String> cmd = List.of("gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                "-I", root.resolve("pv-process/src/main/c").toString(), "-o", exe.toString(),
                root.resolve("examples/c-guest/pvkit_c_guest.c").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, p.exitValue(), () -> "gcc failed: " + String.join(" ", cmd) + "\n" + log);
    }

    private static boolean haveGcc() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every guest gets one writable disk: a fresh sparse image of {@link #DISK} bytes. */
    private GuestPolicy withDisk() {
        return request -> {
            DomainConfig c = GuestPolicy.asRequested().configFor(request);
            try {
                image = dir.resolve(c.name() + ".img");
                try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                    f.setLength(DISK);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return c.withDisks(List.of(DiskConfig.writable(image)));
        };
    }

    /** Starts the C guest; its stdout and stderr lines go to {@link #output}. */
    private Process startGuest(Path sock, String name, int passes) throws IOException {
        Process p = new ProcessBuilder(exe.toString(), "-n", name, "-o", Long.toString(FIRST_SECTOR), "-k",
                Integer.toString(KIB), "-p", Integer.toString(passes), "-q", "4", "-t", "20", "-s", Long.toString(SEED),
                sock.toString()).redirectErrorStream(true).start();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                output.add("(reading the guest's output failed: " + e + ")");
            }
        });
        return p;
    }

    private GuestEvent next(GuestEvent.Kind kind, Duration timeout) throws InterruptedException {
        GuestEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(e, () -> "no " + kind + " event within " + timeout + "; guest: " + output + "; console: " + console);
        assertEquals(kind, e.kind(), e::toString);
        return e;
    }

    private String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() - until < 0) {
            String line = output.poll(20, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }
        return fail("no line starting with '" + prefix + "' within " + timeout + "; guest said " + seen + "; console "
                + console);
    }

    /** The guest's pattern (pattern_word in the C source): splitmix64 of the disk offset and the seed. */
    static long patternWord(long diskOffset, long seed) {
        long z = diskOffset + seed * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Reads the image file directly: the range holds the last pass's pattern, everything else is still zero. */
    private void assertImageHoldsThePattern(long seed) throws IOException {
        ByteBuffer disk = ByteBuffer.wrap(Files.readAllBytes(image)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(DISK, disk.capacity(), "the image keeps its size");
        long from = FIRST_SECTOR * 512;
        long to = from + KIB * 1024L;
        for (long off = 0; off < DISK; off += 8) {
            long want = off >= from && off < to ? patternWord(off, seed) : 0;
            long got = disk.getLong((int) off);
            if (got != want) {
                fail("image byte " + off + " holds 0x" + Long.toHexString(got) + ", expected 0x" + Long.toHexString(want)
                        + " (pattern range [" + from + ", " + to + "))");
            }
        }
    }

    @Test
    void aGuestWrittenInCWritesFlushesReadsAndVerifiesItsDiskThenPowersOff() throws Exception {
        Path sock = dir.resolve("guests.sock");
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(sock, withDisk(), events::add);
            long started = System.nanoTime();
            Process p = startGuest(sock, "cguest", PASSES);
            GuestEvent joined = next(GuestEvent.Kind.JOINED, Duration.ofSeconds(20));
            assertEquals("cguest", joined.info().name());
            Domain d = hv.domain(joined.info().domid()).orElseThrow();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), () -> "the C guest did not finish; it said " + output);
            long millis = (System.nanoTime() - started) / 1_000_000;
            GuestEvent left = next(GuestEvent.Kind.LEFT, Duration.ofSeconds(10));
            List<String> lines = new ArrayList<>(output);
            assertEquals(0, p.exitValue(), () -> "exit status; the guest said " + lines + "; console " + console);
            int domid = joined.info().domid();
            String ok = "pvkit-c-guest: ok: domain " + domid + " vbd 51712: " + PASSES + " passes, " + PASSES * KIB
                    + " KiB written, " + PASSES * KIB + " KiB read and verified at sector " + FIRST_SECTOR + ", "
                    + PASSES + " flushes, ";
            String summary = lines.stream().filter(l -> l.startsWith("pvkit-c-guest: ok:")).findFirst()
                    .orElseGet(() -> fail("no summary line in " + lines));
            assertTrue(summary.startsWith(ok), () -> "summary\n  " + summary + "\nshould start with\n  " + ok);
            assertTrue(lines.contains("pvkit-c-guest: pass " + PASSES + " verified"), lines::toString);
            assertTrue(console.stream().anyMatch(l -> l.startsWith("cguest|") && l.contains(ok)),
                    () -> "its summary reached dom0's console through console_io: " + console);
            DomainInfo last = left.info();
            assertEquals(ShutdownReason.POWEROFF, last.shutdownReason(), () -> last + "\n" + lines + console);
            assertNull(last.crash());
            assertEquals(DomainState.DEAD, d.info().state(), "destroyed when the process left");
            assertImageHoldsThePattern(SEED + PASSES - 1);
            assertCountsReturnTo(before, hv, "resource counts after the C guest powered off");
            System.out.println("[c-guest] pvkit_c_guest.c (pid " + p.pid() + ") in " + millis + " ms: "
                    + last.hypercalls() + " hypercalls through the mailbox; " + summary.substring("pvkit-c-guest: ".length())
                    + "; image holds the pattern; counts back to " + before);
        }
    }

    @Test
    void killingTheCGuestInTheMiddleOfBlockIoDestroysItsDomainAndReleasesEverything() throws Exception {
        Path sock = dir.resolve("guests.sock");
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(sock, withDisk(), events::add);
            Process p = startGuest(sock, "cvictim", 0);    // passes until killed
            GuestEvent joined = next(GuestEvent.Kind.JOINED, Duration.ofSeconds(20));
            Domain victim = hv.domain(joined.info().domid()).orElseThrow();
            awaitLine("pvkit-c-guest: pass 3 verified", Duration.ofSeconds(60));
            // it goes on writing and reading: the backend's worker is running, the ring is mapped
            ResourceCounts during = hv.counts();
            assertTrue(during.blockWorkers() > before.blockWorkers() && during.guestSessions() == 1,
                    () -> "the C guest's block I/O is going on: " + during);
            long killed = System.nanoTime();
            p.destroyForcibly();
            GuestEvent left = next(GuestEvent.Kind.LEFT, Duration.ofSeconds(5));
            long noticedMicros = (System.nanoTime() - killed) / 1000;
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(ShutdownReason.CRASH, left.info().shutdownReason(), left::toString);
            assertEquals(DomainState.DEAD, victim.info().state());
            assertTrue(noticedMicros < 2_000_000, "noticed and destroyed within 2 s: " + noticedMicros + " us");
            assertCountsReturnTo(before, hv, "resource counts after the C guest was killed");
            System.out.println("[c-guest] kill -9 of pvkit_c_guest.c (pid " + p.pid() + ") during block I/O after "
                    + left.info().hypercalls() + " hypercalls (counts then " + during + "): domain destroyed "
                    + noticedMicros + " us after destroyForcibly (bound 2 s); counts back to " + before);
        }
    }

    @Test
    void aBackendThatGivesUpMidIoEndsTheCGuestWithItsReason() throws Exception {
        Path sock = dir.resolve("guests.sock");
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            hv.listenForGuests(sock, withDisk(), events::add);
            Process p = startGuest(sock, "cabandoned", 0);
            GuestEvent joined = next(GuestEvent.Kind.JOINED, Duration.ofSeconds(20));
            awaitLine("pvkit-c-guest: pass 1 verified", Duration.ofSeconds(60));
            // what a backend writes when it abandons a device: an error node, then Closed (as dom0, over the socket)
            String backend = "/local/domain/0/backend/vbd/" + joined.info().domid() + "/51712";
            try (XenbusClient xs = XenbusClient.overSocket(hv.xenstoreSocket())) {
                xs.write(backend + "/error", "test: the disk went away");
                xs.write(backend + "/state", "6");
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> "the C guest did not notice; it said " + output);
            GuestEvent left = next(GuestEvent.Kind.LEFT, Duration.ofSeconds(10));
            List<String> lines = new ArrayList<>(output);
            assertEquals(1, p.exitValue(), lines::toString);
            String reason = "pvkit-c-guest: backend " + backend + " went to state 6: test: the disk went away";
            assertTrue(lines.contains(reason), () -> "expected '" + reason + "' in " + lines);
            assertEquals(ShutdownReason.CRASH, left.info().shutdownReason(), left::toString);
            assertCountsReturnTo(before, hv, "resource counts after the C guest gave up");
            System.out.println("[c-guest] backend closed under pvkit_c_guest.c during block I/O: exit 1, \""
                    + reason + "\"; counts back to baseline");
        }
    }
}
