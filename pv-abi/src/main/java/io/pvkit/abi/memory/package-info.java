/**
 * Guest memory: a domain's pseudo-physical memory as 4096-byte frames, backed by an {@link java.lang.foreign.Arena} or by a memory-mapped file another process can share.
 */
package io.pvkit.abi.memory;
