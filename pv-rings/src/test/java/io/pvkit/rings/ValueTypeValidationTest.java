package io.pvkit.rings;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The argument checks of pv-rings' value types, each condition on its own and at its boundary: the conformance kit
 * builds only valid types, so these checks are pvkit's own to test (docs/mutation/rings.md, out-of-scope rows).
 */
class ValueTypeValidationTest {
    private static final RingIdField ID8 = new RingIdField(0, 8);

    @Test
    void idFieldsTakeWidthsTwoFourAndEightAtAlignedNonNegativeOffsets() {
        for (int width : new int[] {2, 4, 8}) {
            assertEquals(width, new RingIdField(0, width).width());
            assertEquals(2 * width, new RingIdField(2 * width, width).offset());
        }
        for (int width : new int[] {0, 1, 3, 5, 6, 7, 16}) {
            assertThrows(IllegalArgumentException.class, () -> new RingIdField(0, width), "width " + width);
        }
        assertThrows(IllegalArgumentException.class, () -> new RingIdField(-2, 2), "negative offset");
        assertThrows(IllegalArgumentException.class, () -> new RingIdField(-8, 8), "negative aligned offset");
        assertThrows(IllegalArgumentException.class, () -> new RingIdField(3, 2), "offset not aligned to 2");
        assertThrows(IllegalArgumentException.class, () -> new RingIdField(2, 4), "offset not aligned to 4");
        assertThrows(IllegalArgumentException.class, () -> new RingIdField(4, 8), "offset not aligned to 8");
    }

    @Test
    void ringTypesNeedPositiveSizesAPowerOfTwoAlignmentAndIdsInsideTheirEntries() {
        assertDoesNotThrow(() -> new RingType("t", 8, 8, 1, ID8, ID8));
        assertDoesNotThrow(() -> new RingType("t", 16, 8, 8, new RingIdField(8, 8), ID8), "id ending at the last byte");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", 0, 8, 8, ID8, ID8), "request size 0");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", 8, 0, 8, ID8, ID8), "response size 0");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", -8, 8, 8, ID8, ID8), "negative request");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", 8, 8, 0, ID8, ID8), "alignment 0");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", 8, 8, 3, ID8, ID8), "alignment 3");
        assertThrows(IllegalArgumentException.class, () -> new RingType("t", 8, 8, -8, ID8, ID8), "alignment -8");
        assertThrows(IllegalArgumentException.class,
                () -> new RingType("t", 16, 16, 8, new RingIdField(16, 8), ID8), "request id past the request");
        assertThrows(IllegalArgumentException.class,
                () -> new RingType("t", 16, 16, 8, new RingIdField(16, 2), ID8),
                "request id starting at the request's end");
        assertThrows(IllegalArgumentException.class,
                () -> new RingType("t", 16, 16, 8, ID8, new RingIdField(16, 8)), "response id past the response");
        assertThrows(IllegalArgumentException.class,
                () -> new RingType("t", 16, 12, 4, ID8, new RingIdField(8, 8)), "response id crossing the response's end");
        assertThrows(IllegalArgumentException.class,
                () -> new RingType("t", 12, 16, 4, new RingIdField(8, 8), ID8), "request id crossing the request's end");
        assertThrows(NullPointerException.class, () -> new RingType(null, 8, 8, 8, ID8, ID8));
        assertThrows(NullPointerException.class, () -> new RingType("t", 8, 8, 8, null, ID8));
        assertThrows(NullPointerException.class, () -> new RingType("t", 8, 8, 8, ID8, null));
    }

    @Test
    void byteStreamLayoutsNeedAPowerOfTwoSizeAndNonNegativeFourAlignedIndices() {
        assertEquals(1, new ByteStreamLayout("b", 0, 1, 0, 4).size());
        assertEquals(1024, new ByteStreamLayout("b", 0, 1024, 0, 4).size());
        assertEquals(0, new ByteStreamLayout("b", 0, 1024, 4, 0).prodOffset(), "producer index at offset 0");
        for (int size : new int[] {0, -1024, 3, 1000}) {
            assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", 0, size, 0, 4), "size " + size);
        }
        assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", -1, 1024, 0, 4), "data offset -1");
        assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", 0, 1024, -4, 4), "cons offset -4");
        assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", 0, 1024, 0, -4), "prod offset -4");
        assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", 0, 1024, 2, 4), "cons offset 2");
        assertThrows(IllegalArgumentException.class, () -> new ByteStreamLayout("b", 0, 1024, 0, 6), "prod offset 6");
    }

    @Test
    void vchanRingsHaveOrdersTenToTwenty() {
        assertEquals(1024, ByteStreamLayout.vchan("v", 0, 1024, 10).size());
        assertEquals(1 << 20, ByteStreamLayout.vchan("v", 8, 4096, 20).size());
        assertEquals(12, ByteStreamLayout.vchan("v", 8, 4096, 20).prodOffset());
        assertThrows(IllegalArgumentException.class, () -> ByteStreamLayout.vchan("v", 0, 1024, 9));
        assertThrows(IllegalArgumentException.class, () -> ByteStreamLayout.vchan("v", 0, 1024, 21));
    }
}
