package io.pvkit.conformance.xenstore;

import io.pvkit.abi.xenstore.XsdSockmsgType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One {@code xs_wire} message as it crossed the wire: the four header fields of {@code struct xsd_sockmsg} and
 * a copy of the payload.
 *
 * @param type the {@code type} field (an {@link XsdSockmsgType} code, or any value a peer sent)
 * @param reqId the {@code req_id} field
 * @param txId the {@code tx_id} field
 * @param payload the payload bytes (a private copy)
 */
public record XsMessage(int type, int reqId, int txId, byte[] payload) {

    /**
     * Validates the payload reference.
     *
     * @param type the type field
     * @param reqId the request id
     * @param txId the transaction id
     * @param payload the payload
     */
    public XsMessage {
        Objects.requireNonNull(payload, "payload");
    }

    /**
     * Whether this is an {@code XS_ERROR} reply.
     *
     * @return true for type 16
     */
    public boolean isError() {
        return type == XsdSockmsgType.ERROR.code();
    }

    /**
     * The payload as text, with a single trailing NUL removed (errors, OK, paths and transaction ids).
     *
     * @return the text
     */
    public String text() {
        int n = payload.length;
        if (n > 0 && payload[n - 1] == 0) {
            n--;
        }
        return new String(payload, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * The whole payload as ISO-8859-1 text (a READ reply's value, NUL bytes included).
     *
     * @return the text
     */
    public String value() {
        return new String(payload, StandardCharsets.ISO_8859_1);
    }

    /**
     * The payload split at each NUL into strings, each of which was followed by a NUL (a directory listing, a
     * permission list, a watch event's path and token); bytes after the last NUL are ignored.
     *
     * @return the strings
     */
    public List<String> strings() {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        String name = XsdSockmsgType.of(type).map(Enum::name).orElse("type " + type);
        return name + "(req_id=" + Integer.toUnsignedString(reqId) + ", tx_id=" + Integer.toUnsignedString(txId)
                + ", \"" + new String(payload, StandardCharsets.ISO_8859_1).replace("\0", "\\0") + "\")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XsMessage m && m.type == type && m.reqId == reqId && m.txId == txId
                && java.util.Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, reqId, txId, java.util.Arrays.hashCode(payload));
    }
}
