package org.soundstorm4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DTypeTest {

    @Test
    void namesAndSizes() {
        assertEquals(DType.F32, DType.fromSafetensorsName("F32"));
        assertEquals(DType.F16, DType.fromSafetensorsName("F16"));
        assertEquals(DType.BF16, DType.fromSafetensorsName("BF16"));
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.F16.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals("BF16", DType.BF16.safetensorsName());
    }

    @Test
    void unknownNameListsTheSupportedOnes() {
        WeightsException e = assertThrows(WeightsException.class, () -> DType.fromSafetensorsName("I64"));
        assertTrue(e.getMessage().contains("'I64'") && e.getMessage().contains("F32, F16, BF16"), e.getMessage());
        assertThrows(WeightsException.class, () -> DType.fromSafetensorsName("f32"));
    }

    @Test
    void bf16RoundsToNearestEven() {
        float one = 1.0f;
        float ulp = 0x1p-7f; // bfloat16 spacing just above 1
        assertEquals(one, DType.bf16ToFloat(DType.floatToBf16(one + ulp / 2)), "tie goes to even (1.0)");
        assertEquals(one + 2 * ulp, DType.bf16ToFloat(DType.floatToBf16(one + 3 * ulp / 2)), "tie goes to even");
        assertEquals(one + ulp, DType.bf16ToFloat(DType.floatToBf16(one + ulp / 2 + 0x1p-20f)), "above the tie rounds up");
        assertEquals(-one, DType.bf16ToFloat(DType.floatToBf16(-one - ulp / 2)));
        assertEquals(Float.POSITIVE_INFINITY, DType.bf16ToFloat(DType.floatToBf16(Float.MAX_VALUE)));
        assertEquals(Float.NEGATIVE_INFINITY, DType.bf16ToFloat(DType.floatToBf16(Float.NEGATIVE_INFINITY)));
        assertEquals((short) 0x3F80, DType.floatToBf16(1.0f));
    }

    @Test
    void bf16KeepsNaN() {
        // A NaN whose payload sits only in the low 16 bits would become infinity if truncated.
        float lowPayloadNaN = Float.intBitsToFloat(0x7F800001);
        assertTrue(Float.isNaN(lowPayloadNaN));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(lowPayloadNaN))));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.intBitsToFloat(0xFFFFFFFF)))));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN))));
    }

    @Test
    void everyHalfValueRoundTrips() {
        for (int i = 0; i < 1 << 16; i++) {
            short bits = (short) i;
            float bf = DType.bf16ToFloat(bits);
            float f16 = DType.f16ToFloat(bits);
            if (Float.isNaN(bf)) {
                assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(bf))));
            } else {
                assertEquals(bits, DType.floatToBf16(bf), "bf16 " + Integer.toHexString(i));
            }
            if (!Float.isNaN(f16)) {
                assertEquals(bits, DType.floatToF16(f16), "f16 " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void f16Conversions() {
        assertEquals(65504f, DType.f16ToFloat(DType.floatToF16(65504f)));
        assertEquals(Float.POSITIVE_INFINITY, DType.f16ToFloat(DType.floatToF16(70000f)));
        assertEquals(0x1p-24f, DType.f16ToFloat(DType.floatToF16(0x1p-24f)), "smallest subnormal");
        assertEquals((short) 0x3C00, DType.floatToF16(1.0f));
    }
}
