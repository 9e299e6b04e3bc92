package io.pvkit.rings.tools;

import io.pvkit.rings.BackRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * {@link RingPeer}'s back: one {@link #step()} consumes every available request, answers each (status 0 when its
 * CRC-32C matches, with the CRC computed), pushes the responses once, and idles only after a negative final check.
 * A method of its own for the JIT, as {@link PeerFront#step()} explains.
 */
final class PeerBack implements BackRing.RequestHandler {
    private final BackRing back;
    private final RingPeer.Waiter waiter;
    private final int payload;
    /** The response is built here; bytes past its 16-byte header stay zero. */
    private final MemorySegment response;
    private final RequestChecksum crcOfRequest = new RequestChecksum(new CRC32C());
    private long served;
    private long bad;
    private long notifies;

    PeerBack(BackRing back, RingPeer.Options o, RingPeer.Waiter waiter) {
        this.back = back;
        this.waiter = waiter;
        this.payload = o.requestSize() - 16;
        this.response = MemorySegment.ofArray(new byte[o.responseSize()]);
    }

    /**
     * One iteration: serve and push, or idle.
     *
     * @return false when the waiter's deadline passed while idling
     */
    boolean step() {
        if (back.pollRequests(this, Integer.MAX_VALUE) > 0) {
            if (back.pushResponses()) {
                notifies++;
            }
            waiter.reset();
            return true;
        }
        return back.finalCheckForRequests() || waiter.idle();
    }

    @Override
    public void onRequest(MemorySegment req) {
        // req is the ring's private copy of the slot: read each field once, CRC over it in place
        final int len = req.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
        final boolean lenOk = Integer.compareUnsigned(len, payload) <= 0;
        final int crc = crcOfRequest.of(req, lenOk ? len : 0);
        final boolean ok = lenOk && crc == req.get(ValueLayout.JAVA_INT_UNALIGNED, 12);
        response.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, req.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        response.set(ValueLayout.JAVA_INT_UNALIGNED, 8, ok ? 0 : 1);
        response.set(ValueLayout.JAVA_INT_UNALIGNED, 12, crc);
        if (!ok) {
            bad++;
        }
        back.putResponse(response);
        served++;
    }

    long served() {
        return served;
    }

    long bad() {
        return bad;
    }

    long notifies() {
        return notifies;
    }

    /**
     * CRC-32C of a request's payload, computed in place on the ring's private copy through a {@link ByteBuffer}
     * view (the JDK's intrinsic over the buffer's memory, no copy into an array). The view is made once per
     * distinct segment: pvkit's back ring hands the same private copy to every call.
     */
    static final class RequestChecksum {
        private final CRC32C crc;
        private MemorySegment viewed;
        private ByteBuffer view;
        private byte[] fallback;

        RequestChecksum(CRC32C crc) {
            this.crc = crc;
        }

        int of(MemorySegment request, int len) {
            if (request != viewed) {
                view = viewOf(request);
                viewed = request;
            }
            crc.reset();
            if (view != null) {
                crc.update(view.limit(16 + len).position(16));
            } else {
                // another ring implementation's copy with no direct or array-backed view: copy it out
                if (fallback == null || fallback.length < len) {
                    fallback = new byte[Math.max(len, 64)];
                }
                MemorySegment.copy(request, ValueLayout.JAVA_BYTE, 16, fallback, 0, len);
                crc.update(fallback, 0, len);
            }
            return (int) crc.getValue();
        }

        private static ByteBuffer viewOf(MemorySegment segment) {
            try {
                ByteBuffer b = segment.asByteBuffer();
                return b.isDirect() || b.hasArray() ? b : null;
            } catch (UnsupportedOperationException e) {
                return null;
            }
        }
    }
}
