package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The test protocol: request {u64 id; u32 len; u32 crc; u8 payload[48]} (64 bytes), response
 * {u64 id; u32 status; u32 crc} (16 bytes) where the response echoes the request's crc.
 */
final class TestRings {
    static final int REQUEST_SIZE = 64;
    static final int RESPONSE_SIZE = 16;
    static final int PAYLOAD = 48;
    static final RingType TYPE = new RingType("pvkit_test", REQUEST_SIZE, RESPONSE_SIZE, 8,
            new RingIdField(0, 8), new RingIdField(0, 8));
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private TestRings() {
    }

    static MemorySegment page(Arena arena, int pages) {
        return arena.allocate(4096L * pages, 4096);
    }

    static GuestMemory shared(MemorySegment segment) {
        return GuestMemory.wrap(segment);
    }

    static MemorySegment randomRequest(SplittableRandom random) {
        MemorySegment req = MemorySegment.ofArray(new byte[REQUEST_SIZE]);
        int len = random.nextInt(PAYLOAD + 1);
        for (int i = 0; i < len; i++) {
            req.set(ValueLayout.JAVA_BYTE, 16 + i, (byte) random.nextInt());
        }
        req.set(U32, 8, len);
        req.set(U32, 12, crc(req, len));
        return req;
    }

    static int crc(MemorySegment request, int len) {
        CRC32C crc = new CRC32C();
        crc.update(request.asSlice(16, len).toArray(ValueLayout.JAVA_BYTE));
        return (int) crc.getValue();
    }

    /** The echo backend: checks the request crc and answers status 0 (ok) or 1 (bad crc) with the crc. */
    static MemorySegment echo(MemorySegment request) {
        int len = request.get(U32, 8);
        int crc = request.get(U32, 12);
        MemorySegment rsp = MemorySegment.ofArray(new byte[RESPONSE_SIZE]);
        rsp.set(U64, 0, request.get(U64, 0));
        boolean ok = len >= 0 && len <= PAYLOAD && crc(request, len) == crc;
        rsp.set(U32, 8, ok ? 0 : 1);
        rsp.set(U32, 12, crc);
        return rsp;
    }
}
