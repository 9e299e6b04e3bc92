package io.pvkit.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a domain's pseudo-physical memory is made of.
 */
public sealed interface MemoryBacking {
    /**
     * Memory allocated in a shared {@link java.lang.foreign.Arena} of this process
     * ({@link io.pvkit.abi.memory.GuestMemory#allocate(long)}).
     */
    record Arena() implements MemoryBacking {
    }

    /**
     * A memory-mapped file ({@link io.pvkit.abi.memory.GuestMemory#mapFile(Path, long)}) that another
     * process may map too. The file is created or extended; the hypervisor zeroes the special pages it
     * places above {@code nr_pages} but leaves the guest's own frames as the file holds them.
     *
     * @param path the backing file
     */
    record File(Path path) implements MemoryBacking {
        /**
         * Validates the path.
         *
         * @param path the backing file
         */
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Arena backing.
     *
     * @return {@code new Arena()}
     */
    static MemoryBacking arena() {
        return new Arena();
    }
}
