package io.pvkit.rings;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * pvkit's byte-stream reader and writer against a C peer compiled with gcc against Xen's own
 * {@code io/console.h} ({@code struct xencons_interface}, {@code MASK_XENCONS_IDX}, the
 * {@code DEFINE_XEN_FLEX_RING(xencons)} helpers) and {@code io/xs_wire.h}
 * ({@code struct xenstore_domain_interface}, {@code MASK_XENSTORE_IDX}), as a separate process over a
 * shared memory-mapped page: both directions at once (each side writes one ring and reads the other),
 * CRC-32C checked, from indices near 2^32 so both cross the wrap. Runs whenever {@code CI=true} (and
 * fails if gcc or the headers are missing); skips locally without them.
 */
class CByteStreamInteropTest {
    private static final Path SOURCE = Path.of("src/test/c/stream_peer.c");
    private static final Path EXE = Path.of("target/c/stream_peer");
    private static final int BYTES = 1 << 20;
    private static final Pattern LINE = Pattern.compile(
            "sent=(\\d+) sent_crc=([0-9a-f]{8}) received=(\\d+) received_crc=([0-9a-f]{8}) write_index=(\\d+) read_index=(\\d+)");

    @BeforeAll
    static void compile() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String missing = null;
        if (!Files.exists(Path.of("/usr/include/xen/io/console.h")) || !Files.exists(Path.of("/usr/include/xen/io/xs_wire.h"))) {
            missing = "/usr/include/xen/io/console.h or xs_wire.h is missing (apt-get install libxen-dev)";
        } else if (!onPath("gcc")) {
            missing = "gcc is not on the PATH";
        }
        if (missing != null) {
            if (ci) {
                fail("CI=true but " + missing);
            }
            Assumptions.abort("skipping the C byte-stream interop test: " + missing);
        }
        Files.createDirectories(EXE.getParent());
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", EXE.toString(), SOURCE.toString())
                .redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + log);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** A MemoryAccess that is not a GuestMemory: the rings take the seam path (every access a call). */
    private static MemoryAccess seamOnly(MemoryAccess real) {
        return new ForwardingMemoryAccess(real) { };
    }

    @ParameterizedTest(name = "{0}: C {1}, start {2}, pvkit over {3}")
    @CsvSource({
        "console,  front, 0xFFFFF000, guest",
        "console,  back,  0xFFFFFF01, seam",
        "console,  front, 0,          seam",
        "xenstore, front, 0xFFFFFC00, seam",
        "xenstore, back,  0xFFFFF7FF, guest",
        "xenstore, back,  0,          guest"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldStreamBothWaysWithXensOwnRingMacros(String kind, String cRole, String start, String view, @TempDir Path dir)
            throws Exception {
        boolean console = kind.equals("console");
        boolean cFront = cRole.equals("front");
        // the C front (guest) writes console.out / xenstore.req; pvkit plays the other end, and the reverse
        ByteStreamLayout guestWrites = console ? ByteStreamLayout.CONSOLE_OUT : ByteStreamLayout.XENSTORE_REQUEST;
        ByteStreamLayout guestReads = console ? ByteStreamLayout.CONSOLE_IN : ByteStreamLayout.XENSTORE_RESPONSE;
        ByteStreamLayout javaReads = cFront ? guestWrites : guestReads;
        ByteStreamLayout javaWrites = cFront ? guestReads : guestWrites;
        int startIndex = Long.decode(start).intValue();
        Path file = dir.resolve(kind);
        try (Arena arena = Arena.ofShared();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            MemorySegment page = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
            for (ByteStreamLayout l : List.of(guestWrites, guestReads)) {
                page.set(ValueLayout.JAVA_INT, l.consOffset(), startIndex);
                page.set(ValueLayout.JAVA_INT, l.prodOffset(), startIndex);
            }
            MemoryAccess memory = view.equals("guest") ? GuestMemory.wrap(page) : seamOnly(GuestMemory.wrap(page));
            ByteStreamReader reader = ByteStreamReader.attach(memory, javaReads);
            ByteStreamWriter writer = ByteStreamWriter.attach(memory, javaWrites);
            Process c = new ProcessBuilder(EXE.toString(), kind, cRole, file.toString(), Integer.toString(BYTES), "12345", "90")
                    .redirectErrorStream(true).start();
            try {
                SplittableRandom random = new SplittableRandom(startIndex);
                byte[] out = new byte[BYTES];
                random.nextBytes(out);
                byte[] in = new byte[BYTES];
                int sent = 0;
                int received = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (sent < BYTES || received < BYTES) {
                    int moved = 0;
                    if (sent < BYTES) {
                        int n = writer.write(MemorySegment.ofArray(out), sent,
                                Math.min(BYTES - sent, random.nextInt(1, javaWrites.size() + 1)));
                        sent += n;
                        moved += n;
                    }
                    if (received < BYTES) {
                        int n = reader.read(MemorySegment.ofArray(in), received,
                                Math.min(BYTES - received, random.nextInt(1, javaReads.size() + 1)));
                        received += n;
                        moved += n;
                    }
                    if (moved == 0) {
                        if (!c.isAlive() || System.nanoTime() - deadline > 0) {
                            fail("no progress: pvkit sent " + sent + " and received " + received + "; C peer "
                                    + (c.isAlive() ? "still running" : "exited " + c.exitValue() + ": "
                                    + new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8)));
                        }
                        Thread.yield();
                    }
                }
                assertTrue(c.waitFor(60, TimeUnit.SECONDS), "the C peer did not finish");
                String line = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                assertEquals(0, c.exitValue(), "C peer: " + line);
                Matcher m = LINE.matcher(line);
                assertTrue(m.find(), line);
                CRC32C sentCrc = new CRC32C();
                sentCrc.update(out);
                CRC32C receivedCrc = new CRC32C();
                receivedCrc.update(in);
                assertEquals(String.valueOf(BYTES), m.group(1), line);
                assertEquals(String.valueOf(BYTES), m.group(3), line);
                assertEquals(String.format("%08x", sentCrc.getValue()), m.group(4),
                        "the C peer received other bytes than pvkit wrote: " + line);
                assertEquals(m.group(2), String.format("%08x", receivedCrc.getValue()),
                        "pvkit received other bytes than the C peer wrote: " + line);
                String end = Integer.toUnsignedString(startIndex + BYTES);
                assertEquals(end, m.group(5), "C write index: " + line);
                assertEquals(end, m.group(6), "C read index: " + line);
                assertEquals(startIndex + BYTES, writer.producerIndex());
                assertEquals(startIndex + BYTES, reader.consumerIndex());
            } finally {
                c.destroyForcibly();
            }
        }
    }
}
