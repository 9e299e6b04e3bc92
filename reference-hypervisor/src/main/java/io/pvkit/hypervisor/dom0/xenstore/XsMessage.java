package io.pvkit.hypervisor.dom0.xenstore;

import io.pvkit.abi.xenstore.XsdSockmsgLayout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One {@code xsd_sockmsg} with its payload, copied out of the peer's memory or socket (the copy is what is
 * parsed; nothing is read twice). The header is little-endian (x86_64), offsets from pv-abi's
 * {@link XsdSockmsgLayout}.
 *
 * @param type the raw {@code type} (untrusted until looked up)
 * @param reqId the request id, echoed
 * @param txId the transaction id
 * @param payload the payload bytes
 */
record XsMessage(int type, int reqId, int txId, byte[] payload) {
    static final int HEADER = (int) XsdSockmsgLayout.SIZE;

    /** Reads a header's {@code len} field (unsigned). */
    static long length(byte[] header) {
        return Integer.toUnsignedLong(le(header).getInt((int) XsdSockmsgLayout.LEN_OFFSET));
    }

    static XsMessage of(byte[] header, byte[] payload) {
        ByteBuffer b = le(header);
        return new XsMessage(b.getInt((int) XsdSockmsgLayout.TYPE_OFFSET), b.getInt((int) XsdSockmsgLayout.REQ_ID_OFFSET),
                b.getInt((int) XsdSockmsgLayout.TX_ID_OFFSET), payload);
    }

    static XsMessage of(int type, int reqId, int txId, String payload) {
        return new XsMessage(type, reqId, txId, payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The frame: header then payload. */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) XsdSockmsgLayout.TYPE_OFFSET, type);
        b.putInt((int) XsdSockmsgLayout.REQ_ID_OFFSET, reqId);
        b.putInt((int) XsdSockmsgLayout.TX_ID_OFFSET, txId);
        b.putInt((int) XsdSockmsgLayout.LEN_OFFSET, payload.length);
        b.put(HEADER, payload);
        return b.array();
    }

    private static ByteBuffer le(byte[] header) {
        return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    }
}
