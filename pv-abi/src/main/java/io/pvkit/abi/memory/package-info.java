/**
 * Guest memory: a domain's pseudo-physical memory as 4096-byte frames
 * ({@link io.pvkit.abi.memory.GuestMemory}), backed by an {@link java.lang.foreign.Arena} or by a
 * memory-mapped file another process can map too. Every access is bounds-checked and throws
 * {@link io.pvkit.abi.memory.GuestMemoryFault} for a bad address; atomics must be naturally aligned.
 *
 * <p>Memory-order vocabulary: {@code ...Acquire} pairs with {@code ...Release}, {@code ...Volatile} and
 * the read-modify-write operations are sequentially consistent (Xen's full barriers). 8- and 16-bit
 * read-modify-writes go through the containing aligned 32-bit word, so neighbouring bytes are never
 * disturbed and the operation stays atomic with respect to a peer doing the same on the word.
 */
package io.pvkit.abi.memory;
