package io.pvkit.cli.demo;


import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's disk image files: creates one sparse image per guest and removes the images unless they are to be
 * kept (the direct check of an image against the guest's last pass is {@link
 * io.pvkit.guest.block.BlockPattern#verifyImage(Path)}).
 */
final class DiskImages implements AutoCloseable {
    private final DiskPlan plan;
    private final Path dir;
    private final boolean temporary;
    private final List<Path> images = new ArrayList<>();

    DiskImages(DiskPlan plan) throws IOException {
        this.plan = plan;
        this.temporary = plan.dir() == null;
        this.dir = temporary ? Files.createTempDirectory("pvkit-disks-") : Files.createDirectories(plan.dir());
    }

    Path dir() {
        return dir;
    }

    /**
     * Creates a sparse image of the plan's size for one guest (an existing file of that name is replaced).
     *
     * @param name the guest's name
     * @return the image path
     * @throws IOException when the file cannot be created
     */
    Path create(String name) throws IOException {
        Path image = dir.resolve(name + ".img");
        Files.deleteIfExists(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(plan.sizeBytes());
        }
        images.add(image);
        return image;
    }

    /** Deletes the images (and the temporary directory) unless the plan keeps them. */
    @Override
    public void close() throws IOException {
        if (plan.keep()) {
            return;
        }
        for (Path p : images) {
            Files.deleteIfExists(p);
        }
        if (temporary) {
            Files.deleteIfExists(dir);
        }
    }
}
