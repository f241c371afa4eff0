package org.soundstorm4j.weights;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Element types of stored weights, with their safetensors names and float conversions. */
public enum DType {
    /** IEEE 754 binary32. */
    F32("F32", 4),
    /** IEEE 754 binary16: 1 sign, 5 exponent, 10 mantissa bits. */
    F16("F16", 2),
    /** bfloat16: the upper 16 bits of a binary32 (1 sign, 8 exponent, 7 mantissa bits). */
    BF16("BF16", 2);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name used in a safetensors header's {@code dtype} field. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Looks up a safetensors dtype name (case-sensitive, as the format specifies). */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new WeightsException("unsupported dtype '" + name + "' (supported: "
                + Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", ")) + ")");
    }

    /** Widens binary16 bits to float; exact. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Narrows a float to binary16 bits, rounding to nearest even. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** Widens bfloat16 bits to float; exact, since bfloat16 is a truncated float. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Narrows a float to bfloat16 bits, rounding to nearest even (as PyTorch does), so values
     * above the largest bfloat16 round to infinity.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            // Plain truncation could clear every remaining mantissa bit and turn NaN into
            // infinity; setting the quiet bit keeps it a NaN.
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases to the even neighbour.
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
