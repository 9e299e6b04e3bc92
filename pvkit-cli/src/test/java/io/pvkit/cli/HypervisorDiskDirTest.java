package io.pvkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.process.GuestRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code pvkit hypervisor --disk-dir}: a guest's image that exists already (from an earlier run, maybe one that
 * was killed) is served as it is, never truncated, recreated or resized; a missing one is created sparse with
 * {@code --disk-size}.
 */
class HypervisorDiskDirTest {
    @TempDir
    Path dir;

    private HypervisorCommand parse(String... args) {
        HypervisorCommand c = new HypervisorCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void anExistingImageIsServedUnchangedAndAMissingOneIsCreated() throws Exception {
        Path disks = Files.createDirectories(dir.resolve("disks"));
        byte[] data = new byte[3 << 20];   // 3 MiB of data from an earlier run; --disk-size says 1M
        new Random(7).nextBytes(data);
        Path old = Files.write(disks.resolve("web.img"), data);
        List<String> notes = new ArrayList<>();
        HypervisorCommand c = parse("--socket", dir.resolve("s").toString(), "--disk-dir", disks.toString(),
                "--disk-size", "1M");
        DomainConfig web = c.policy(notes::add).configFor(new GuestRequest(1, 1024, "web"));
        assertEquals(List.of(DiskConfig.writable(old)), web.disks());
        assertArrayEquals(data, Files.readAllBytes(old), "the existing image is untouched");
        assertEquals(List.of("pvkit hypervisor: guest web gets the existing disk " + old + " (3145728 bytes; --disk-size"
                + " applies only to new images)"), notes);

        DomainConfig db = c.policy(notes::add).configFor(new GuestRequest(1, 1024, "db"));
        Path created = disks.resolve("db.img");
        assertEquals(List.of(DiskConfig.writable(created)), db.disks());
        assertEquals(1 << 20, Files.size(created), "a new image has --disk-size");
        assertTrue(notes.getLast().equals("pvkit hypervisor: guest db gets a new disk " + created + " (1048576 bytes)"),
                notes.toString());
    }
}
