/**
 * Conformance rules and verifications for byte-stream rings (xenstore, PV console, vchan):
 * {@link io.pvkit.conformance.bytestream.ByteStreamRules},
 * {@link io.pvkit.conformance.bytestream.ByteStreamReaderVerification} and
 * {@link io.pvkit.conformance.bytestream.ByteStreamWriterVerification}.
 *
 * <p>A third-party implementation implements pv-rings' {@code ByteStreamReader}/{@code ByteStreamWriter}
 * contracts (directly or through a thin adapter) over a {@link io.pvkit.abi.memory.MemoryAccess}, so that
 * the kit can play the peer, count reads of the peer's index, lie about it and fault the data area.
 */
package io.pvkit.conformance.bytestream;
