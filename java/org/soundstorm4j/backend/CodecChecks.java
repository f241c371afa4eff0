package org.soundstorm4j.backend;

/**
 * The argument checks of the codec ops ({@link Backend#im2col}, {@link Backend#elu},
 * {@link Backend#overlapAdd}, {@link Backend#lstmRecurrence}, {@link Backend#codebookSum}), one
 * place for all backends so each refuses the same calls with the same message. Sizes are element
 * counts; a tensor too small throws naming the argument ({@link TensorSizes#require}).
 */
public final class CodecChecks {
    private CodecChecks() {
    }

    private static void positive(String op, String what, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(op + ": " + what + " must be >= 1, got " + value);
        }
    }

    /** The window's output frames for {@code frames} input frames, refusing none. */
    private static long outFrames(String op, ConvWindow w, int frames) {
        long outFrames = w.outFrames(frames);
        if (outFrames < 1) {
            throw new IllegalArgumentException(op + ": " + frames + " frames padded " + w.padLeft() + "/"
                    + w.padRight() + " are shorter than the kernel's span " + ((long) w.dilation() * (w.kernel() - 1) + 1));
        }
        return outFrames;
    }

    /** Checks an im2col call and returns the output frames. {@code lengths} is -1 when absent. */
    public static int im2col(long x, long lengths, ConvWindow w, long out, int batch, int frames, int channels) {
        positive("im2col", "batch", batch);
        positive("im2col", "frames", frames);
        positive("im2col", "channels", channels);
        long outFrames = outFrames("im2col", w, frames);
        TensorSizes.require("im2col x", x, (long) batch * frames * channels);
        if (lengths >= 0) {
            TensorSizes.require("im2col lengths", lengths, batch);
        }
        TensorSizes.checked(batch * outFrames * w.columns(channels));
        TensorSizes.require("im2col out", out, batch * outFrames * w.columns(channels));
        return (int) outFrames;
    }

    /**
     * Checks a {@link Backend#conv1d} call and returns the output frames. {@code bias} is -1 when
     * absent.
     */
    public static int conv1d(long x, ConvWindow w, MatrixWeight weight, long bias, long out, int batch, int frames,
                             int cin) {
        positive("conv1d", "batch", batch);
        positive("conv1d", "frames", frames);
        positive("conv1d", "cin", cin);
        if (weight.cols() != w.columns(cin)) {
            throw new IllegalArgumentException("conv1d weight has " + weight.cols() + " columns, needs kernel "
                    + w.kernel() + " x cin " + cin + " = " + w.columns(cin));
        }
        long outFrames = outFrames("conv1d", w, frames);
        TensorSizes.require("conv1d x", x, (long) batch * frames * cin);
        if (bias >= 0) {
            TensorSizes.require("conv1d bias", bias, weight.rows());
        }
        TensorSizes.require("conv1d out", out, batch * outFrames * weight.rows());
        return (int) outFrames;
    }

    public static void elu(long x, long out, int size) {
        positive("elu", "size", size);
        TensorSizes.require("elu x", x, size);
        TensorSizes.require("elu out", out, size);
    }

    public static void add(long a, long b, long out, int size) {
        positive("add", "size", size);
        TensorSizes.require("add a", a, size);
        TensorSizes.require("add b", b, size);
        TensorSizes.require("add out", out, size);
    }

    /** {@code bias} is -1 when absent. */
    public static void overlapAdd(long y, long bias, long out, int batch, int framesIn, int framesOut, int channels,
                                  int kernel, int stride, int trimLeft) {
        positive("overlapAdd", "batch", batch);
        positive("overlapAdd", "framesIn", framesIn);
        positive("overlapAdd", "framesOut", framesOut);
        positive("overlapAdd", "channels", channels);
        positive("overlapAdd", "kernel", kernel);
        positive("overlapAdd", "stride", stride);
        if (trimLeft < 0) {
            throw new IllegalArgumentException("overlapAdd: trimLeft must be >= 0, got " + trimLeft);
        }
        TensorSizes.checked((long) batch * framesIn * kernel * channels);
        TensorSizes.checked((long) batch * framesOut * channels);
        TensorSizes.require("overlapAdd y", y, (long) batch * framesIn * kernel * channels);
        if (bias >= 0) {
            TensorSizes.require("overlapAdd bias", bias, channels);
        }
        TensorSizes.require("overlapAdd out", out, (long) batch * framesOut * channels);
    }

    public static void lstmRecurrence(long gates, MatrixWeight whh, long h, long c, long out, int batch, int frames,
                                      int hidden) {
        positive("lstmRecurrence", "batch", batch);
        positive("lstmRecurrence", "frames", frames);
        positive("lstmRecurrence", "hidden", hidden);
        if (whh.rows() != 4L * hidden || whh.cols() != hidden) {
            throw new IllegalArgumentException("lstmRecurrence W_hh is " + whh.rows() + " x " + whh.cols() + ", needs "
                    + 4L * hidden + " x " + hidden);
        }
        TensorSizes.checked(4L * batch * frames * hidden);
        TensorSizes.require("lstmRecurrence gates", gates, 4L * batch * frames * hidden);
        TensorSizes.require("lstmRecurrence h", h, (long) batch * hidden);
        TensorSizes.require("lstmRecurrence c", c, (long) batch * hidden);
        TensorSizes.require("lstmRecurrence out", out, (long) batch * frames * hidden);
    }

    public static void codebookSum(long codes, long table, long out, int levels, int batch, int frames,
                                   int codebookSize, int dim) {
        positive("codebookSum", "levels", levels);
        positive("codebookSum", "batch", batch);
        positive("codebookSum", "frames", frames);
        positive("codebookSum", "codebookSize", codebookSize);
        positive("codebookSum", "dim", dim);
        TensorSizes.checked((long) levels * codebookSize * dim);
        TensorSizes.checked((long) batch * frames * dim);
        TensorSizes.require("codebookSum codes", codes, (long) levels * batch * frames);
        TensorSizes.require("codebookSum table", table, (long) levels * codebookSize * dim);
        TensorSizes.require("codebookSum out", out, (long) batch * frames * dim);
    }
}
