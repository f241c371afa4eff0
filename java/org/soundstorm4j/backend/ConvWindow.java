package org.soundstorm4j.backend;

/**
 * The input window of a stride-1 conv1d for {@link Backend#im2col}: {@code kernel} taps
 * {@code dilation} frames apart, {@code padLeft}/{@code padRight} frames of {@code padMode} padding,
 * and whether ELU (alpha 1) is applied to every gathered value (SEANet puts an ELU before most
 * convs; ELU(0) = 0 and ELU commutes with reflection, so fusing it changes nothing).
 */
public record ConvWindow(int kernel, int dilation, int padLeft, int padRight, PadMode padMode, boolean eluInput) {
    public ConvWindow {
        if (kernel < 1 || dilation < 1 || padLeft < 0 || padRight < 0 || padMode == null) {
            throw new IllegalArgumentException("conv window: kernel " + kernel + ", dilation " + dilation + ", pads "
                    + padLeft + "/" + padRight + ", mode " + padMode + " (kernel and dilation >= 1, pads >= 0)");
        }
    }

    /** {@code kernel} taps with 'same' padding on both sides ({@code dilation*(kernel-1)/2} each; odd kernels). */
    public static ConvWindow same(int kernel, int dilation, PadMode padMode, boolean eluInput) {
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("'same' padding needs an odd kernel, not " + kernel);
        }
        int pad = dilation * (kernel - 1) / 2;
        return new ConvWindow(kernel, dilation, pad, pad, padMode, eluInput);
    }

    /** Output frames for {@code frames} input frames: {@code frames + padLeft + padRight - dilation*(kernel-1)}. */
    public long outFrames(long frames) {
        return frames + padLeft + padRight - (long) dilation * (kernel - 1);
    }

    /** Columns of the gathered matrix: {@code kernel * channels}. */
    public long columns(int channels) {
        return (long) kernel * channels;
    }
}
