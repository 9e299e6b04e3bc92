package io.pvkit.process;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.process.internal.Native;
import io.pvkit.process.internal.SysConstants;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Guest memory that another process can share but cannot shrink or grow: an anonymous
 * {@code memfd_create(2)} file, sized with {@code ftruncate}, sealed with
 * {@code F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL} and mapped {@code MAP_SHARED}.
 *
 * <p>Why: a memory-mapped file that a peer truncates makes the next access of the mapping process fault
 * ({@code SIGBUS}, which the JVM turns into an {@link InternalError} at an arbitrary access). With these
 * seals the kernel refuses {@code ftruncate} to any other size with {@code EPERM} for every holder of
 * the file, and {@code F_SEAL_SEAL} stops anyone from adding or removing seals later, so the size the
 * hypervisor mapped is the size forever.
 *
 * <p>The hypervisor {@link #create(String, long) creates} the memory and hands {@link #fd()} to the guest
 * (for example with {@link UnixSocket#send(byte[], int...)}); the guest {@link #map(int, long) maps} the
 * descriptor it received, which first checks the seals and the size (a hypervisor that sent an unsealed
 * or short file is refused, so neither side can fault the other).
 *
 * <p>The mapping belongs to a shared {@link Arena}: {@link #close()} unmaps it, after which every access
 * through {@link #memory()} throws {@link IllegalStateException} instead of touching unmapped memory.
 * Thread safety: as {@link GuestMemory}; {@link #close()} is idempotent.
 */
public final class SealedGuestMemory implements AutoCloseable {
    /** The seals {@link #create} applies and {@link #map} requires: shrink, grow and seal. */
    public static final int REQUIRED_SEALS =
            SysConstants.F_SEAL_SHRINK | SysConstants.F_SEAL_GROW | SysConstants.F_SEAL_SEAL;

    /** The largest memory {@link #create}/{@link #map} accept: 64 GiB. */
    public static final long MAX_FRAMES = 1L << 24;

    private final int fd;
    private final long frames;
    private final Arena arena;
    private final GuestMemory memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SealedGuestMemory(int fd, long frames, Arena arena, MemorySegment mapping) {
        this.fd = fd;
        this.frames = frames;
        this.arena = arena;
        this.memory = GuestMemory.wrap(mapping);
    }

    /**
     * Creates sealed, zero-filled memory of {@code frames} frames and maps it into this process.
     *
     * @param name a name for debugging ({@code /proc/PID/fd} shows {@code memfd:NAME})
     * @param frames the number of 4096-byte frames, 1 to {@link #MAX_FRAMES}
     * @return the memory; close it to unmap it and close the descriptor
     * @throws NativeException when the kernel refuses (no memfd, out of memory, sealing unsupported)
     */
    public static SealedGuestMemory create(String name, long frames) {
        checkFrames(frames);
        int fd = Native.memfdCreate(name, SysConstants.MFD_CLOEXEC | SysConstants.MFD_ALLOW_SEALING);
        if (fd < 0) {
            throw new NativeException("memfd_create", -fd);
        }
        try {
            int r = Native.ftruncate(fd, frames * GuestMemory.PAGE_SIZE);
            if (r < 0) {
                throw new NativeException("ftruncate", -r);
            }
            r = Native.fcntl(fd, SysConstants.F_ADD_SEALS, REQUIRED_SEALS);
            if (r < 0) {
                throw new NativeException("fcntl(F_ADD_SEALS)", -r);
            }
            return mapSealed(fd, frames);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    /**
     * Maps memory another process created and sealed, taking ownership of {@code fd} (it is closed by
     * {@link #close()}, or at once when this method fails).
     *
     * @param fd a memfd received from the other process
     * @param frames the number of frames the other process announced
     * @return the memory
     * @throws IllegalArgumentException when the seals lack {@link #REQUIRED_SEALS} or the size is not
     *     exactly {@code frames} frames
     * @throws NativeException when a system call fails
     */
    public static SealedGuestMemory map(int fd, long frames) {
        try {
            checkFrames(frames);
            int seals = Native.fcntl(fd, SysConstants.F_GET_SEALS, 0);
            if (seals < 0) {
                throw new NativeException("fcntl(F_GET_SEALS)", -seals);
            }
            if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
                throw new IllegalArgumentException("memory fd is not sealed against shrink/grow/seal: seals 0x"
                        + Integer.toHexString(seals));
            }
            long size = Native.size(fd);
            if (size != frames * GuestMemory.PAGE_SIZE) {
                throw new IllegalArgumentException("memory fd is " + size + " bytes, expected " + frames + " frames");
            }
            return mapSealed(fd, frames);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    private static SealedGuestMemory mapSealed(int fd, long frames) {
        Arena arena = Arena.ofShared();
        int[] errno = new int[1];
        MemorySegment mapping = Native.mmapShared(fd, frames * GuestMemory.PAGE_SIZE, arena, errno);
        if (mapping == null) {
            arena.close();
            throw new NativeException("mmap", errno[0]);
        }
        return new SealedGuestMemory(fd, frames, arena, mapping);
    }

    private static void checkFrames(long frames) {
        if (frames < 1 || frames > MAX_FRAMES) {
            throw new IllegalArgumentException("frames must be 1.." + MAX_FRAMES + ", got " + frames);
        }
    }

    /**
     * The memory as pv-abi guest memory (a {@link GuestMemory#wrap(MemorySegment) wrapped} segment:
     * closing that view does nothing, close this object instead).
     *
     * @return the memory
     */
    public GuestMemory memory() {
        return memory;
    }

    /**
     * The memfd, for passing to another process. It stays owned by this object.
     *
     * @return the descriptor
     */
    public int fd() {
        return fd;
    }

    /**
     * The size in frames.
     *
     * @return the number of 4096-byte frames
     */
    public long frames() {
        return frames;
    }

    /**
     * The seals the kernel reports now ({@code F_GET_SEALS}).
     *
     * @return the seal bits ({@code F_SEAL_*})
     * @throws NativeException when the descriptor was closed
     */
    public int seals() {
        int seals = Native.fcntl(fd, SysConstants.F_GET_SEALS, 0);
        if (seals < 0) {
            throw new NativeException("fcntl(F_GET_SEALS)", -seals);
        }
        return seals;
    }

    /**
     * Unmaps the memory and closes the descriptor; idempotent. Threads that access the memory afterwards get
     * {@link IllegalStateException}.
     *
     * @throws IllegalStateException when another thread holds the arena in a native call (the memory then
     *     stays mapped; the descriptor is closed)
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                arena.close();
            } finally {
                // the descriptor goes either way; a mapping that could not be closed keeps the file alive
                Native.close(fd);
            }
        }
    }

    @Override
    public String toString() {
        return "SealedGuestMemory[fd " + fd + ", " + frames + " frames]";
    }
}
