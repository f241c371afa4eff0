package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.soundstorm4j.backend.Arrays2.assertClose;
import static org.soundstorm4j.backend.Arrays2.poison;
import static org.soundstorm4j.backend.Arrays2.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The codec ops of a {@link Backend} (SpeechTokenizer's SEANet decoder: im2col, ELU, overlap-add,
 * the LSTM recurrence, the codebook sum) against {@link NaiveOps} in double precision, on random
 * data at odd and round sizes, outputs poisoned with NaN beforehand. It also holds the backend's
 * lifecycle, which {@link BackendOpsContract} (every backend's op test) inherits. Their composition
 * into SpeechTokenizer's whole decode is the library's {@code org.soundstorm4j.codec.Codec}, checked
 * on every backend against PyTorch's waveforms by {@code codec.CodecContract}.
 */
public abstract class CodecOpsContract {
    /** Relative tolerance (of the largest expected value) for fp32 ops against the double-precision oracle. */
    protected static final double TOL = 1e-5;

    protected Backend backend;
    private final SplittableRandom random = new SplittableRandom(20261202);

    protected abstract Backend createBackend();

    @BeforeEach
    void open() {
        backend = createBackend();
    }

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    protected float[] read(Tensor t) {
        float[] host = new float[(int) t.size()];
        backend.read(t, host);
        return host;
    }

    protected IntTensor ints(int[] values) {
        IntTensor t = backend.allocateInts(values.length);
        backend.write(t, values);
        return t;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    // ---- im2col and ELU ----

    @ParameterizedTest(name = "batch {0}, frames {1}, channels {2}, kernel {3}, dilation {4}, pads {5}/{6} {7}, elu {8}, lengths {9}")
    @CsvSource({
            "1,1,1,1,1,0,0,ZERO,false,false",
            "2,13,5,7,1,3,3,REFLECT,true,false",   // the first conv
            "1,1,3,7,1,3,3,REFLECT,false,false",   // T = 1: SpeechTokenizer's short-input rule
            "2,2,4,7,1,3,3,REFLECT,true,false",    // T = 2
            "1,3,2,7,1,3,3,REFLECT,false,false",   // T = 3
            "1,4,2,7,1,3,3,REFLECT,false,false",   // T = 4: plain reflection
            "3,17,16,3,1,1,1,REFLECT,true,false",  // the residual blocks' conv
            "2,29,9,3,2,2,2,REFLECT,true,false",   // dilation 2
            "2,21,6,3,4,4,4,REFLECT,false,false",  // dilation 4, pad 4
            "2,19,33,5,1,2,2,ZERO,true,false",
            "2,15,8,4,1,3,0,ZERO,false,false",     // causal-style, asymmetric
            "1,10,3,3,1,0,0,ZERO,false,false",     // no padding: fewer output frames
            "2,23,7,7,1,3,3,REFLECT,true,true",    // per-sequence lengths, reflected at each end
            "3,20,5,3,2,2,2,ZERO,false,true",
            "1,64,64,3,1,1,1,REFLECT,true,false"})
    void im2colMatchesNaive(int batch, int frames, int channels, int kernel, int dilation, int padLeft, int padRight,
                            PadMode mode, boolean elu, boolean withLengths) {
        ConvWindow w = new ConvWindow(kernel, dilation, padLeft, padRight, mode, elu);
        int[] lengths = null;
        if (withLengths) {
            lengths = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = Math.max(1, frames - 7 * b); // 23, 16 / 20, 13, 6
            }
        }
        float[] x = random(random, batch * frames * channels, 3);
        int outFrames = (int) w.outFrames(frames);
        Tensor out = backend.upload(poison(batch * outFrames * kernel * channels));
        backend.im2col(backend.upload(x), lengths == null ? null : ints(lengths), w, out, batch, frames, channels);
        assertClose("im2col", NaiveOps.im2col(x, lengths, w, batch, frames, channels), read(out), 1e-6);
    }

    @ParameterizedTest(name = "batch {0}, frames {1}, cin {2}, cout {3}, kernel {4}, dilation {5}")
    @CsvSource({"1,1,4,5,7,1", "2,13,32,32,7,1", "2,13,16,8,3,1", "1,30,12,7,3,2", "2,40,64,128,3,1"})
    void conv1dIsIm2colThenLinearWithThePermutedWeight(int batch, int frames, int cin, int cout, int kernel,
                                                       int dilation) {
        ConvWindow w = ConvWindow.same(kernel, dilation, PadMode.REFLECT, true);
        float[] x = random(random, batch * frames * cin, 2);
        float[] weight = random(random, cout * cin * kernel, 0.5); // PyTorch [cout, cin, kernel]
        float[] bias = random(random, cout, 0.5);
        int outFrames = (int) w.outFrames(frames);
        Tensor cols = backend.upload(poison(batch * outFrames * kernel * cin));
        backend.im2col(backend.upload(x), null, w, cols, batch, frames, cin);
        Tensor y = backend.upload(poison(batch * outFrames * cout));
        MatrixWeight packed = backend.uploadMatrix(CodecLayouts.convWeight(weight, cout, cin, kernel), cout, kernel * cin);
        backend.linear(cols, packed, backend.upload(bias), Activation.NONE, y, batch * outFrames);
        assertClose("conv1d", NaiveOps.conv1d(x, weight, bias, w, batch, frames, cin, cout), read(y), TOL);
        // conv1d, however it gets there, sums the same values in the same order
        Tensor direct = backend.upload(poison(batch * outFrames * cout));
        backend.conv1d(backend.upload(x), w, packed, backend.upload(bias), direct, batch, frames, cin);
        assertArrayEquals(read(y), read(direct));
    }

    @ParameterizedTest(name = "batch {0}, frames {1}, cin {2}, cout {3}, kernel {4}, dilation {5}, pads {6}/{7} {8}, elu {9}")
    @CsvSource({
            "2,13,32,32,7,1,3,3,REFLECT,true",    // the first conv's window, two sequences
            "1,1,4,5,7,1,3,3,REFLECT,false",      // T = 1: SpeechTokenizer's short-input rule, no frame in place
            "2,2,3,6,7,1,3,3,REFLECT,true",       // T = 2
            "1,4,5,3,7,1,3,3,REFLECT,true",       // T = 4: one frame in place
            "3,17,16,8,3,1,1,1,REFLECT,true",     // the residual conv
            "2,29,9,7,3,2,2,2,REFLECT,true",      // dilated: every row gathered
            "2,15,8,5,4,1,3,0,ZERO,false",        // causal-style, asymmetric
            "2,20,6,4,7,1,6,0,REFLECT,true",      // EnCodec's causal padding, all on the left
            "1,10,3,3,3,1,0,0,ZERO,false",        // no padding: every row in place
            "2,50,64,1,7,1,3,3,REFLECT,true",     // the last conv: one output channel
            "1,37,33,1,7,1,3,3,REFLECT,true",     // one output channel, k not a multiple of the vector
            "2,40,64,128,3,1,1,1,REFLECT,true"})
    void conv1dMatchesNaive(int batch, int frames, int cin, int cout, int kernel, int dilation, int padLeft,
                            int padRight, PadMode mode, boolean elu) {
        ConvWindow w = new ConvWindow(kernel, dilation, padLeft, padRight, mode, elu);
        float[] x = random(random, batch * frames * cin, 2);
        float[] weight = random(random, cout * cin * kernel, 0.5); // PyTorch [cout, cin, kernel]
        float[] bias = random(random, cout, 0.5);
        int outFrames = (int) w.outFrames(frames);
        Tensor y = backend.upload(poison(batch * outFrames * cout));
        backend.conv1d(backend.upload(x), w,
                backend.uploadMatrix(CodecLayouts.convWeight(weight, cout, cin, kernel), cout, kernel * cin),
                backend.upload(bias), y, batch, frames, cin);
        assertClose("conv1d", NaiveOps.conv1d(x, weight, bias, w, batch, frames, cin, cout), read(y), TOL);
    }

    @Test
    void conv1dRefusesWrongSizesNamingTheArgument() {
        ConvWindow w = new ConvWindow(7, 1, 3, 3, PadMode.REFLECT, true);
        Tensor x = backend.upload(random(random, 2 * 10 * 4, 1));
        MatrixWeight weight = backend.uploadMatrix(random(random, 5 * 28, 1), 5, 28);
        Tensor bias = backend.upload(random(random, 5, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.conv1d(x, w, weight, bias, backend.allocate(2 * 10 * 5 - 1), 2, 10, 4));
        assertTrue(e.getMessage().contains("conv1d out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.conv1d(x, w, weight, bias, backend.allocate(2 * 11 * 5), 2, 11, 4));
        assertTrue(e.getMessage().contains("conv1d x"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.conv1d(x, w, weight,
                backend.upload(random(random, 4, 1)), backend.allocate(2 * 10 * 5), 2, 10, 4));
        assertTrue(e.getMessage().contains("conv1d bias"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.conv1d(x, w, weight, bias, backend.allocate(2 * 20 * 5), 2, 20, 2));
        assertTrue(e.getMessage().contains("needs kernel 7 x cin 2 = 14"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.conv1d(x,
                new ConvWindow(7, 1, 0, 0, PadMode.ZERO, false), weight, bias, backend.allocate(80), 2, 5, 4));
        assertTrue(e.getMessage().contains("shorter than the kernel"), e.getMessage());
    }

    @ParameterizedTest(name = "size {0}")
    @CsvSource({"1", "37", "4096", "10007"})
    void eluMatchesNaive(int size) {
        float[] x = random(random, size, 4);
        Tensor out = backend.upload(poison(size));
        backend.elu(backend.upload(x), out, size);
        double[] expected = new double[size];
        for (int i = 0; i < size; i++) {
            expected[i] = NaiveOps.elu(x[i]);
        }
        assertClose("elu", expected, read(out), 1e-6);
    }

    @Test
    void eluWorksInPlace() {
        float[] x = random(random, 333, 4);
        Tensor t = backend.upload(x);
        backend.elu(t, t, 333);
        double[] expected = new double[333];
        for (int i = 0; i < 333; i++) {
            expected[i] = NaiveOps.elu(x[i]);
        }
        assertClose("elu in place", expected, read(t), 1e-6);
    }

    // ---- overlap-add (transposed conv) ----

    @ParameterizedTest(name = "batch {0}, frames {1}, cin {2}, cout {3}, stride {4}, bias {5}")
    @CsvSource({"1,1,1,1,1,true", "2,13,32,16,4,true", "2,7,16,8,2,false", "1,10,8,4,2,true", "1,5,64,32,8,true",
            "2,3,20,10,5,true", "3,9,7,3,3,false", "1,40,128,64,2,true"})
    void transposedConvIsLinearThenOverlapAddWithSeanetsTrim(int batch, int framesIn, int cin, int cout, int stride,
                                                            boolean withBias) {
        int kernel = 2 * stride;
        int trimLeft = (stride + 1) / 2; // ceil(r/2) left, floor(r/2) right
        int framesOut = framesIn * stride;
        float[] x = random(random, batch * framesIn * cin, 2);
        float[] weight = random(random, cin * cout * kernel, 0.5); // PyTorch [cin, cout, kernel]
        float[] bias = withBias ? random(random, cout, 0.5) : null;
        Tensor taps = backend.upload(poison(batch * framesIn * kernel * cout));
        backend.linear(backend.upload(x), backend.uploadMatrix(CodecLayouts.transposedConvWeight(weight, cin, cout, kernel),
                kernel * cout, cin), null, Activation.NONE, taps, batch * framesIn);
        Tensor out = backend.upload(poison(batch * framesOut * cout));
        backend.overlapAdd(taps, bias == null ? null : backend.upload(bias), out, batch, framesIn, framesOut, cout,
                kernel, stride, trimLeft);
        assertClose("transposed conv", NaiveOps.convTranspose1d(x, weight, bias, batch, framesIn, cin, cout, kernel,
                stride, trimLeft, framesOut), read(out), TOL);
    }

    @ParameterizedTest(name = "kernel {0}, stride {1}, trim {2}, frames {3} -> {4}")
    @CsvSource({"3,1,1,5,5", "5,2,0,4,11", "4,3,2,6,14", "2,2,0,3,6", "7,3,5,4,20"})
    void overlapAddMatchesNaiveAtOtherKernelsStridesAndTrims(int kernel, int stride, int trimLeft, int framesIn,
                                                             int framesOut) {
        int batch = 2;
        int cin = 5;
        int cout = 3;
        float[] x = random(random, batch * framesIn * cin, 2);
        float[] weight = random(random, cin * cout * kernel, 0.5);
        float[] bias = random(random, cout, 0.5);
        Tensor taps = backend.upload(poison(batch * framesIn * kernel * cout));
        backend.linear(backend.upload(x), backend.uploadMatrix(CodecLayouts.transposedConvWeight(weight, cin, cout, kernel),
                kernel * cout, cin), null, Activation.NONE, taps, batch * framesIn);
        Tensor out = backend.upload(poison(batch * framesOut * cout));
        backend.overlapAdd(taps, backend.upload(bias), out, batch, framesIn, framesOut, cout, kernel, stride, trimLeft);
        assertClose("overlapAdd", NaiveOps.convTranspose1d(x, weight, bias, batch, framesIn, cin, cout, kernel, stride,
                trimLeft, framesOut), read(out), TOL);
    }

    // ---- codebook sum ----

    @ParameterizedTest(name = "codes [{0}, {2}, {3}], levels {1}, codebook {4}, dim {5}")
    @CsvSource({"1,1,1,1,1,1", "8,8,2,13,16,32", "8,1,2,13,16,32", "8,7,2,13,16,32", "8,8,1,1,16,32",
            "3,2,3,17,5,33", "8,8,1,10,1024,64"})
    void codebookSumAddsTheFirstLevelsInOrder(int q, int levels, int batch, int frames, int codebook, int dim) {
        int[] codes = new int[q * batch * frames];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = random.nextInt(codebook);
        }
        codes[codes.length - 1] = codebook - 1; // the last row of the last level's codebook
        CodecLayouts.checkCodes(codes, q, batch, frames, codebook);
        float[] table = random(random, levels * codebook * dim, 1); // only the levels summed
        Tensor out = backend.upload(poison(batch * frames * dim));
        backend.codebookSum(ints(codes), backend.upload(table), out, levels, batch, frames, codebook, dim);
        assertClose("codebookSum", NaiveOps.codebookSum(codes, table, levels, batch, frames, codebook, dim), read(out),
                1e-6);
    }

    @Test
    void codebookSumRefusesWrongSizesNamingTheArgument() {
        IntTensor codes = ints(new int[2 * 3 * 4]);
        Tensor table = backend.upload(random(random, 2 * 5 * 6, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.codebookSum(codes, table, backend.allocate(3 * 4 * 6 - 1), 2, 3, 4, 5, 6));
        assertTrue(e.getMessage().contains("codebookSum out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.codebookSum(codes, table, backend.allocate(3 * 4 * 6), 3, 3, 4, 5, 6));
        assertTrue(e.getMessage().contains("codebookSum codes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.codebookSum(codes, table, backend.allocate(3 * 4 * 6), 2, 3, 4, 6, 6));
        assertTrue(e.getMessage().contains("codebookSum table"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> backend.codebookSum(codes, table, backend.allocate(3 * 4 * 6), 0, 3, 4, 5, 6));
    }

    // ---- LSTM ----

    @ParameterizedTest(name = "batch {0}, frames {1}, hidden {2}")
    @CsvSource({"1,1,5", "2,7,5", "1,1,16", "2,7,16", "2,1,33", "3,7,33", "1,20,64"})
    void lstmRecurrenceMatchesNaiveFromAGivenState(int batch, int frames, int hidden) {
        float[] gates = random(random, batch * frames * 4 * hidden, 2);
        float[] whh = random(random, 4 * hidden * hidden, 1.5 / Math.sqrt(hidden));
        float[] h0 = random(random, batch * hidden, 0.9);
        float[] c0 = random(random, batch * hidden, 2);
        Tensor h = backend.upload(h0);
        Tensor c = backend.upload(c0);
        Tensor out = backend.upload(poison(batch * frames * hidden));
        backend.lstmRecurrence(backend.upload(gates), backend.uploadMatrix(whh, 4 * hidden, hidden), h, c, out, batch,
                frames, hidden);
        double[] hx = toDouble(h0);
        double[] cx = toDouble(c0);
        double[] expected = NaiveOps.lstm(gates, null, whh, null, null, hx, cx, batch, frames, 0, hidden);
        assertClose("lstm out", expected, read(out), TOL);
        assertClose("lstm final h", hx, read(h), TOL);
        assertClose("lstm final c", cx, read(c), TOL);
    }

    /** A row's recurrence gives the same bits alone as beside others (3 rows: a pair and an odd one on the CPU). */
    @ParameterizedTest(name = "hidden {0}")
    @CsvSource({"16", "33", "64"})
    void lstmRecurrenceOfARowDoesNotDependOnTheBatch(int hidden) {
        int batch = 3;
        int frames = 5;
        float[] gates = random(random, batch * frames * 4 * hidden, 2);
        float[] whh = random(random, 4 * hidden * hidden, 1.5 / Math.sqrt(hidden));
        float[] h0 = random(random, batch * hidden, 0.9);
        float[] c0 = random(random, batch * hidden, 2);
        MatrixWeight w = backend.uploadMatrix(whh, 4 * hidden, hidden);
        Tensor out = backend.upload(poison(batch * frames * hidden));
        backend.lstmRecurrence(backend.upload(gates), w, backend.upload(h0), backend.upload(c0), out, batch, frames,
                hidden);
        float[] together = read(out);
        for (int b = 0; b < batch; b++) {
            Tensor one = backend.upload(poison(frames * hidden));
            backend.lstmRecurrence(backend.upload(java.util.Arrays.copyOfRange(gates, b * frames * 4 * hidden,
                            (b + 1) * frames * 4 * hidden)), w,
                    backend.upload(java.util.Arrays.copyOfRange(h0, b * hidden, (b + 1) * hidden)),
                    backend.upload(java.util.Arrays.copyOfRange(c0, b * hidden, (b + 1) * hidden)), one, 1, frames, hidden);
            assertArrayEquals(java.util.Arrays.copyOfRange(together, b * frames * hidden, (b + 1) * frames * hidden),
                    read(one), "row " + b);
        }
    }

    @ParameterizedTest(name = "batch {0}, frames {1}, in {2}, hidden {3}")
    @CsvSource({"1,7,5,5", "2,13,32,32", "2,9,17,33"})
    void anLstmLayerIsLinearOverAllFramesThenTheRecurrenceFromZeros(int batch, int frames, int in, int hidden) {
        float[] x = random(random, batch * frames * in, 2);
        float[] wih = random(random, 4 * hidden * in, 1 / Math.sqrt(in));
        float[] whh = random(random, 4 * hidden * hidden, 1 / Math.sqrt(hidden));
        float[] bih = random(random, 4 * hidden, 0.5);
        float[] bhh = random(random, 4 * hidden, 0.5);
        float[] bias = new float[4 * hidden];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = bih[i] + bhh[i];
        }
        Tensor gates = backend.upload(poison(batch * frames * 4 * hidden));
        backend.linear(backend.upload(x), backend.uploadMatrix(wih, 4 * hidden, in), backend.upload(bias),
                Activation.NONE, gates, batch * frames);
        Tensor h = backend.allocate((long) batch * hidden);
        Tensor c = backend.allocate((long) batch * hidden);
        Tensor out = backend.upload(poison(batch * frames * hidden));
        backend.lstmRecurrence(gates, backend.uploadMatrix(whh, 4 * hidden, hidden), h, c, out, batch, frames, hidden);
        double[] expected = NaiveOps.lstm(x, wih, whh, bih, bhh, new double[batch * hidden],
                new double[batch * hidden], batch, frames, in, hidden);
        assertClose("lstm layer", expected, read(out), TOL);
    }

    @ParameterizedTest(name = "hidden {0}, frames {1} + {2}")
    @CsvSource({"5,1,6", "16,3,4", "33,6,1"})
    void stateCarriedAcrossTwoCallsEqualsOneCallOverTheConcatenation(int hidden, int first, int second) {
        int batch = 2;
        int frames = first + second;
        float[] gates = random(random, batch * frames * 4 * hidden, 2);
        MatrixWeight whh = backend.uploadMatrix(random(random, 4 * hidden * hidden, 1.5 / Math.sqrt(hidden)),
                4 * hidden, hidden);
        Tensor h = backend.allocate((long) batch * hidden);
        Tensor c = backend.allocate((long) batch * hidden);
        Tensor whole = backend.upload(poison(batch * frames * hidden));
        backend.lstmRecurrence(backend.upload(gates), whh, h, c, whole, batch, frames, hidden);
        float[] wholeOut = read(whole);
        float[] wholeH = read(h);
        float[] wholeC = read(c);

        Tensor h2 = backend.allocate((long) batch * hidden);
        Tensor c2 = backend.allocate((long) batch * hidden);
        float[] joined = new float[batch * frames * hidden];
        int start = 0;
        for (int part : new int[] {first, second}) {
            float[] g = new float[batch * part * 4 * hidden];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(gates, (b * frames + start) * 4 * hidden, g, b * part * 4 * hidden, part * 4 * hidden);
            }
            Tensor out = backend.upload(poison(batch * part * hidden));
            backend.lstmRecurrence(backend.upload(g), whh, h2, c2, out, batch, part, hidden);
            float[] o = read(out);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(o, b * part * hidden, joined, (b * frames + start) * hidden, part * hidden);
            }
            start += part;
        }
        assertArrayEquals(wholeOut, joined, "out of two calls");
        assertArrayEquals(wholeH, read(h2), "final h of two calls");
        assertArrayEquals(wholeC, read(c2), "final c of two calls");
    }

    @Test
    void lstmRecurrenceRefusesWrongSizesNamingTheArgument() {
        int hidden = 4;
        MatrixWeight whh = backend.uploadMatrix(random(random, 16 * 4, 1), 16, 4);
        Tensor gates = backend.upload(random(random, 2 * 3 * 16, 1));
        Tensor h = backend.allocate(8);
        Tensor c = backend.allocate(8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.lstmRecurrence(gates, whh, h, c, backend.allocate(23), 2, 3, hidden));
        assertTrue(e.getMessage().contains("lstmRecurrence out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.lstmRecurrence(gates, whh, h, backend.allocate(7), backend.allocate(24), 2, 3, hidden));
        assertTrue(e.getMessage().contains("lstmRecurrence c"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.lstmRecurrence(gates, whh, h, c, backend.allocate(32), 2, 4, hidden));
        assertTrue(e.getMessage().contains("lstmRecurrence gates"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.lstmRecurrence(gates,
                backend.uploadMatrix(random(random, 16 * 5, 1), 16, 5), h, c, backend.allocate(24), 2, 3, hidden));
        assertTrue(e.getMessage().contains("W_hh"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend.lstmRecurrence(gates, whh, h, h, backend.allocate(24),
                2, 3, hidden));
    }

    @Test
    void overlapAddRefusesWrongSizesNamingTheArgument() {
        Tensor y = backend.upload(random(random, 2 * 5 * 8 * 3, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.overlapAdd(y, null, backend.allocate(2 * 20 * 3 - 1), 2, 5, 20, 3, 8, 4, 2));
        assertTrue(e.getMessage().contains("overlapAdd out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.overlapAdd(y, null, backend.allocate(2 * 24 * 3), 2, 6, 24, 3, 8, 4, 2));
        assertTrue(e.getMessage().contains("overlapAdd y"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.overlapAdd(y, backend.allocate(2), backend.allocate(2 * 20 * 3), 2, 5, 20, 3, 8, 4, 2));
        assertTrue(e.getMessage().contains("overlapAdd bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> backend.overlapAdd(y, null, backend.allocate(2 * 20 * 3), 2, 5, 20, 3, 8, 0, 2));
    }

    @ParameterizedTest(name = "size {0}")
    @CsvSource({"1", "45", "10007"})
    void addMatchesNaiveAlsoInPlace(int size) {
        float[] a = random(random, size, 3);
        float[] b = random(random, size, 3);
        double[] expected = new double[size];
        for (int i = 0; i < size; i++) {
            expected[i] = (double) a[i] + b[i];
        }
        Tensor out = backend.upload(poison(size));
        backend.add(backend.upload(a), backend.upload(b), out, size);
        assertClose("add", expected, read(out), 1e-7);
        Tensor inPlace = backend.upload(a);
        backend.add(inPlace, backend.upload(b), inPlace, size);
        assertClose("add in place", expected, read(inPlace), 1e-7);
        if (size > 1) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.add(inPlace, backend.allocate(size - 1), inPlace, size));
            assertTrue(e.getMessage().contains("add b"), e.getMessage());
        }
    }

    @Test
    void im2colAndEluRefuseWrongSizesNamingTheArgument() {
        ConvWindow w = new ConvWindow(7, 1, 3, 3, PadMode.REFLECT, false);
        Tensor x = backend.upload(random(random, 2 * 10 * 4, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.im2col(x, null, w, backend.allocate(2 * 10 * 28 - 1), 2, 10, 4));
        assertTrue(e.getMessage().contains("im2col out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.im2col(x, null, w, backend.allocate(2 * 11 * 28), 2, 11, 4));
        assertTrue(e.getMessage().contains("im2col x"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.im2col(x, backend.allocateInts(1), w, backend.allocate(2 * 10 * 28), 2, 10, 4));
        assertTrue(e.getMessage().contains("im2col lengths"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.im2col(x, null,
                new ConvWindow(7, 1, 0, 0, PadMode.ZERO, false), backend.allocate(80), 2, 5, 4));
        assertTrue(e.getMessage().contains("shorter than the kernel"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend.im2col(x, null, w, x, 2, 1, 4));
        e = assertThrows(IllegalArgumentException.class, () -> backend.elu(x, backend.allocate(79), 80));
        assertTrue(e.getMessage().contains("elu out"), e.getMessage());
    }
}
