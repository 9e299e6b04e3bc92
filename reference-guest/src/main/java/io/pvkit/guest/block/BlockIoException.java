package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifResponseLayout;

/**
 * The backend answered one request with {@code BLKIF_RSP_ERROR} or {@code BLKIF_RSP_EOPNOTSUPP}; the device
 * itself stays usable. A read that failed left the caller's buffer untouched.
 */
public final class BlockIoException extends BlockDeviceException {
    private static final long serialVersionUID = 1L;

    private final transient BlkifOp operation;
    private final long sector;
    private final int status;

    BlockIoException(BlkifOp operation, long sector, int status) {
        super(operation + " at sector " + sector + " failed: "
                + (status == BlkifResponseLayout.RSP_EOPNOTSUPP ? "BLKIF_RSP_EOPNOTSUPP (not supported by the backend)"
                : "BLKIF_RSP_ERROR"), null);
        this.operation = operation;
        this.sector = sector;
        this.status = status;
    }

    /**
     * The failed request's operation.
     *
     * @return the operation (READ, WRITE, FLUSH_DISKCACHE or DISCARD)
     */
    public BlkifOp operation() {
        return operation;
    }

    /**
     * The failed request's first sector.
     *
     * @return the sector (0 for a flush)
     */
    public long sector() {
        return sector;
    }

    /**
     * The backend's status.
     *
     * @return {@link BlkifResponseLayout#RSP_ERROR} or {@link BlkifResponseLayout#RSP_EOPNOTSUPP}
     */
    public int status() {
        return status;
    }
}
