package io.pvkit.rings.tools;

import io.pvkit.rings.FrontRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * {@link RingPeer}'s front: one {@link #step()} fills the ring (as far as the window allows) with random
 * requests, pushes them once, consumes every available response, and idles only after a negative final check.
 *
 * <p>The step is a method of its own, called once per loop iteration, rather than the body of one long loop:
 * the JIT then compiles it as an ordinary method. As one long loop it was compiled on-stack-replacement and
 * thrown away at every branch first taken late (the end of the warm-up, the first sleep), falling back to the
 * interpreter in the middle of the measured run.
 */
final class PeerFront implements FrontRing.ResponseHandler {
    private final FrontRing front;
    private final RingPeer.Waiter waiter;
    private final SplittableRandom random;
    private final long count;
    private final int window;
    private final int payload;
    /** The request is generated, zero-padded and checksummed in place here (no copy for the CRC). */
    private final byte[] requestBytes;
    private final MemorySegment request;
    private final int[] sentCrc;
    private final CRC32C checksum = new CRC32C();
    private long sent;
    private long received;
    private long bad;
    private long notifies;

    PeerFront(FrontRing front, RingPeer.Options o, RingPeer.Waiter waiter) {
        this.front = front;
        this.waiter = waiter;
        this.random = new SplittableRandom(o.seed());
        this.count = o.count();
        this.window = o.window();
        this.payload = o.requestSize() - 16;
        // rounded up to 8 bytes: the payload is written 8 random bytes per step
        this.requestBytes = new byte[(o.requestSize() + 7) & ~7];
        this.request = MemorySegment.ofArray(requestBytes);
        this.sentCrc = new int[front.size()];
    }

    /**
     * One iteration: fill and push, consume the responses, or idle.
     *
     * @return false when the waiter's deadline passed while idling
     */
    boolean step() {
        final boolean put = fill();
        if (front.pollResponses(this, Integer.MAX_VALUE) > 0) {
            waiter.reset();
            return true;
        }
        // as the C peers: no idling right after a push; otherwise the final check before the idle
        return put || front.outstandingRequests() != 0 && front.finalCheckForResponses() || waiter.idle();
    }

    /** Puts requests while the ring and the window allow, then pushes them with one index publication. */
    private boolean fill() {
        boolean put = false;
        while (sent < count && !front.isFull() && front.outstandingRequests() < window) {
            putOne();
            put = true;
        }
        if (put && front.pushRequests()) {
            notifies++;
        }
        return put;
    }

    private void putOne() {
        final int len = random.nextInt(payload + 1);
        // 8 random bytes per step (as the C peers do), zeros after len
        for (int i = 0; i < len; i += 8) {
            request.set(ValueLayout.JAVA_LONG_UNALIGNED, 16 + i, random.nextLong());
        }
        Arrays.fill(requestBytes, 16 + len, requestBytes.length, (byte) 0);
        checksum.reset();
        checksum.update(requestBytes, 16, len);
        final int crc = (int) checksum.getValue();
        request.set(ValueLayout.JAVA_INT_UNALIGNED, 8, len);
        request.set(ValueLayout.JAVA_INT_UNALIGNED, 12, crc);
        sentCrc[front.putRequest(request)] = crc;
        sent++;
    }

    @Override
    public void onResponse(int id, MemorySegment rsp) {
        if (rsp.get(ValueLayout.JAVA_INT_UNALIGNED, 8) != 0 || rsp.get(ValueLayout.JAVA_INT_UNALIGNED, 12) != sentCrc[id]) {
            bad++;
        }
        received++;
    }

    long received() {
        return received;
    }

    long bad() {
        return bad;
    }

    long notifies() {
        return notifies;
    }
}
