package io.pvkit.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One virtual disk of a guest (xl's {@code disk = ['format=raw, vdev=xvda, target=<image>']}): a regular file
 * that domain 0's block backend serves as {@code xvda}, {@code xvdb}, ... in the order of
 * {@link DomainConfig#disks()}.
 *
 * <p>The toolstack writes the vbd nodes of each disk (frontend {@code device/vbd/<devid>} and backend
 * {@code backend/vbd/<domid>/<devid>}, devid {@code (202 << 8) | (index << 4)}: 51712 for the first disk,
 * 51728 for the second). The image must exist when the guest is created; its size (rounded down to
 * 512-byte sectors) is the disk's size.
 *
 * @param image the image file; stored as an absolute path
 * @param readOnly whether the guest may only read ({@code mode = r}, {@code info = VDISK_READONLY})
 */
public record DiskConfig(Path image, boolean readOnly) {
    /**
     * Validates the disk and makes the path absolute.
     *
     * @param image the image file
     * @param readOnly whether the disk is read-only
     */
    public DiskConfig {
        Objects.requireNonNull(image, "image");
        image = image.toAbsolutePath().normalize();
    }

    /**
     * A writable disk.
     *
     * @param image the image file
     * @return the disk
     */
    public static DiskConfig writable(Path image) {
        return new DiskConfig(image, false);
    }

    /**
     * The Linux device number of the disk at {@code index} ({@code xvda} = 51712, {@code xvdb} = 51728).
     *
     * @param index the position in {@link DomainConfig#disks()}, 0..15
     * @return {@code (202 << 8) | (index << 4)}
     */
    public static int deviceId(int index) {
        if (index < 0 || index >= DomainConfig.MAX_DISKS) {
            throw new IllegalArgumentException("disk index must be 0.." + (DomainConfig.MAX_DISKS - 1) + ": " + index);
        }
        return (202 << 8) | (index << 4);
    }

    /**
     * The Linux device name of the disk at {@code index}.
     *
     * @param index the position in {@link DomainConfig#disks()}, 0..15
     * @return {@code xvda}, {@code xvdb}, ...
     */
    public static String deviceName(int index) {
        deviceId(index);
        return "xvd" + (char) ('a' + index);
    }
}
