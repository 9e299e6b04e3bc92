package io.pvkit.xenbus;

import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.abi.xenstore.XsdSockmsgType;

/**
 * One validated {@code xsd_sockmsg} with its payload (a private copy).
 *
 * @param type the known message type
 * @param reqId the request id
 * @param txId the transaction id
 * @param payload the payload, at most {@link XsdSockmsgLayout#PAYLOAD_MAX} bytes
 */
record XsFrame(XsdSockmsgType type, int reqId, int txId, byte[] payload) {

    /** Encodes header and payload into one array (little-endian header). */
    byte[] encode() {
        byte[] out = new byte[(int) XsdSockmsgLayout.SIZE + payload.length];
        putLe32(out, (int) XsdSockmsgLayout.TYPE_OFFSET, type.code());
        putLe32(out, (int) XsdSockmsgLayout.REQ_ID_OFFSET, reqId);
        putLe32(out, (int) XsdSockmsgLayout.TX_ID_OFFSET, txId);
        putLe32(out, (int) XsdSockmsgLayout.LEN_OFFSET, payload.length);
        System.arraycopy(payload, 0, out, (int) XsdSockmsgLayout.SIZE, payload.length);
        return out;
    }

    static void putLe32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    static int getLe32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
