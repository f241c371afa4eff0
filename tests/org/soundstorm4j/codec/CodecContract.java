package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.io.FloatArray;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.io.Npy;

/**
 * {@link Codec} on one backend against SpeechTokenizer's own waveforms: the five small-fixture
 * cases to 1e-5 absolute, the released shapes (formula-filled weights) to 1e-4 of the peak, and
 * the streaming decode against the whole decode to 1e-5 of the peak. Each backend's test extends
 * this and says how to make its backend (skipping with the reason where it cannot run).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CodecContract {
    private Codec small;
    private Codec released;
    private Codec encodec;
    private Codec encodecReleased;

    protected abstract Backend createBackend();

    static Path resource(String dir) {
        try {
            return Path.of(CodecContract.class.getResource("/codec/" + dir).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Codes {@code [k, B, T]} of an int64 .npy as {@code [k][B][T]}. */
    static int[][][] codes(Path npy) {
        IntArray a = Npy.readInts(npy);
        int[][][] c = new int[a.dim(0)][a.dim(1)][a.dim(2)];
        int[] data = a.data();
        for (int q = 0; q < c.length; q++) {
            for (int b = 0; b < c[q].length; b++) {
                System.arraycopy(data, (q * c[q].length + b) * c[q][b].length, c[q][b], 0, c[q][b].length);
            }
        }
        return c;
    }

    private Codec small() {
        if (small == null) {
            small = Codec.load(resource("small"), createBackend());
        }
        return small;
    }

    /** EnCodec's causal SEANet, scaled down: {@code encodec_small/} (weights/reference/encodec_reference.py). */
    private Codec encodec() {
        if (encodec == null) {
            encodec = Codec.load(resource("encodec_small"), createBackend());
        }
        return encodec;
    }

    /** EnCodec's 24 kHz shapes with the fill formula's weights ({@code encodec_released/}). */
    private Codec encodecReleased() {
        if (encodecReleased == null) {
            try (FormulaTensors t = new FormulaTensors(CodecConfig.encodec24khz())) {
                encodecReleased = Codec.create(CodecConfig.encodec24khz(), t, createBackend());
            }
        }
        return encodecReleased;
    }

    private Codec released() {
        if (released == null) {
            try (FormulaTensors t = new FormulaTensors(releasedConfig())) {
                released = Codec.create(releasedConfig(), t, createBackend());
            }
        }
        return released;
    }

    static CodecConfig releasedConfig() {
        try {
            Map<?, ?> formula = (Map<?, ?>) Json.parse(Files.readString(resource("released").resolve("formula.json")));
            return CodecConfig.fromJson(Json.write(formula.get("config")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    void closeCodecs() {
        if (small != null) {
            small.close();
        }
        if (released != null) {
            released.close();
        }
        if (encodec != null) {
            encodec.close();
        }
        if (encodecReleased != null) {
            encodecReleased.close();
        }
    }

    /** The largest |a - b| over every sample, asserting the shapes agree. */
    static double maxDiff(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what + ": samples");
        double d = 0;
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d = Math.max(d, Math.abs((double) expected[i] - got[i]));
        }
        return d;
    }

    static double peak(float[] v) {
        double p = 0;
        for (float x : v) {
            p = Math.max(p, Math.abs(x));
        }
        return p;
    }

    /** Row b of a float32 waveform {@code [B, 1, n]}. */
    static float[] row(FloatArray wav, int b) {
        int n = wav.dim(2);
        float[] r = new float[n];
        System.arraycopy(wav.data(), b * n, r, 0, n);
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"b2_t13_all", "b2_t13_k1", "b2_t13_k7", "b1_t1_all", "b1_t1_k1"})
    void decodesTheSmallFixtureAsSpeechTokenizerDoes(String name) {
        // the README's tolerance: 1e-5 absolute (PyTorch's own float32 error is ~1.6e-7)
        assertDecodesTheCaseWithin1e5(small(), "small", name);
    }

    /** Every row of {@code dir}'s case {@code name} decoded by {@code codec} within 1e-5 of the reference waveform. */
    private static void assertDecodesTheCaseWithin1e5(Codec codec, String dir, String name) {
        Path folder = resource(dir);
        int[][][] codes = codes(folder.resolve("case_" + name + ".codes.npy"));
        FloatArray wav = Npy.readFloats(folder.resolve("case_" + name + ".wav.npy"));
        float[][] got = codec.decode(codes);
        assertEquals(wav.dim(0), got.length, "rows");
        for (int b = 0; b < got.length; b++) {
            double d = maxDiff(row(wav, b), got[b], name + " row " + b);
            assertTrue(d <= 1e-5, name + " row " + b + ": max |diff| " + d + " > 1e-5");
        }
    }

    @Test
    void decodesTheReleasedShapesAsSpeechTokenizerDoes() {
        Path dir = resource("released");
        int[][][] codes = codes(dir.resolve("case_b1_t10_all.codes.npy"));
        float[] expected = row(Npy.readFloats(dir.resolve("case_b1_t10_all.wav.npy")), 0);
        float[][] got = released().decode(codes);
        double d = maxDiff(expected, got[0], "released");
        double peak = peak(expected);
        assertTrue(d <= 1e-4 * peak, "released: max |diff| " + d + " > 1e-4 of the peak " + peak);
    }

    /** Decodes chunk by chunk, checking the chunks' order and offsets, and joins them. */
    static float[][] stream(Codec codec, int[][][] codes, int chunk) {
        int batch = codes[0].length;
        int samples = codes[0][0].length * codec.config().hop();
        float[][] joined = new float[batch][samples];
        long[] next = new long[batch];
        List<Integer> rows = new ArrayList<>();
        codec.decode(codes, chunk, (row, offset, s) -> {
            assertEquals(next[row], offset, "row " + row + ": chunk offset");
            assertTrue(s.length <= (long) chunk * codec.config().hop(), "chunk longer than asked");
            System.arraycopy(s, 0, joined[row], (int) offset, s.length);
            next[row] += s.length;
            rows.add(row);
        });
        for (int b = 0; b < batch; b++) {
            assertEquals(samples, next[b], "row " + b + ": samples streamed");
        }
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i % batch, rows.get(i), "every row of a chunk, in order, before the next chunk");
        }
        return joined;
    }

    @ParameterizedTest(name = "chunks of {0} frames")
    @ValueSource(ints = {1, 3, 7, 13, 100})
    void streamingEqualsTheWholeDecodeOnTheSmallFixture(int chunk) {
        int[][][] codes = codes(resource("small").resolve("case_b2_t13_all.codes.npy"));
        float[][] whole = small().decode(codes);
        float[][] streamed = stream(small(), codes, chunk);
        for (int b = 0; b < whole.length; b++) {
            double d = maxDiff(whole[b], streamed[b], "row " + b);
            double tol = 1e-5 * peak(whole[b]);
            assertTrue(d <= tol, "chunk " + chunk + ", row " + b + ": max |diff| " + d + " > " + tol);
        }
    }

    @ParameterizedTest(name = "T = {0}, pushes of {1} frames")
    @CsvSource({"13,1", "13,2", "13,5", "13,13", "3,1", "6,4"})
    void framesPushedAsTheyComeDecodeAsTheWhole(int frames, int push) {
        int[][][] all = codes(resource("small").resolve("case_b2_t13_all.codes.npy"));
        for (int b = 0; b < 2; b++) {
            int[][][] one = new int[all.length][1][frames];
            for (int q = 0; q < all.length; q++) {
                System.arraycopy(all[q][b], 0, one[q][0], 0, frames);
            }
            float[] whole = small().decode(one)[0];
            float[] streamed = new float[whole.length];
            java.util.Arrays.fill(streamed, Float.NaN);
            long[] next = {0};
            int look = small().receptiveField().lookaheadFrames();
            try (CodecStream stream = small().stream(all.length, frames, (row, offset, chunk) -> {
                assertEquals(0, row, "row");
                assertEquals(next[0], offset, "chunks arrive in order, contiguous");
                System.arraycopy(chunk, 0, streamed, (int) offset, chunk.length);
                next[0] += chunk.length;
            })) {
                for (int a = 0; a < frames; a += push) {
                    int e = Math.min(frames, a + push);
                    int[][] pushed = new int[all.length][];
                    for (int q = 0; q < all.length; q++) {
                        pushed[q] = java.util.Arrays.copyOfRange(all[q][b], a, e);
                    }
                    stream.push(pushed);
                    long finalSamples = e == frames ? whole.length : (long) Math.max(0, e - look) * small().config().hop();
                    assertEquals(finalSamples, next[0], "samples final after " + e + " of " + frames + " frames");
                }
                assertTrue(stream.isComplete(), "complete after the last frame");
            }
            double d = maxDiff(whole, streamed, "row " + b);
            assertTrue(d <= 1e-5 * peak(whole), "T " + frames + ", pushes of " + push + ", row " + b + ": max |diff| " + d);
        }
    }

    @org.junit.jupiter.api.Test
    void aStreamRefusesBadPushesNamingThem() {
        int levels = small().config().nQ();
        try (CodecStream stream = small().stream(levels, 4, (row, offset, chunk) -> { })) {
            int[][] bad = new int[levels][2];
            bad[levels - 1][1] = small().config().codebookSize();
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> stream.push(bad));
            assertTrue(e.getMessage().contains("frames [0, 2)") && e.getMessage().contains(
                    String.valueOf(small().config().codebookSize())), e.getMessage());
            assertEquals(0, stream.pushedFrames(), "a refused push adds nothing");
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> stream.push(new int[levels][5]));
            assertTrue(e.getMessage().contains("5 frames pushed after 0 of 4"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> stream.push(new int[levels + 1][1]));
            assertTrue(e.getMessage().contains("levels"), e.getMessage());
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> small().stream(small().config().nQ() + 1, 4, (row, offset, chunk) -> { }));
    }

    @ParameterizedTest(name = "T = {0}, chunks of {1}")
    @CsvSource({"1,1", "2,1", "3,1", "3,2", "4,1", "5,2", "6,1"})
    void streamingEqualsTheWholeDecodeOnShortInputs(int frames, int chunk) {
        // T <= 3 meets the first conv's short-input padding rule; the slices must not change it
        int[][][] all = codes(resource("small").resolve("case_b2_t13_all.codes.npy"));
        int[][][] codes = new int[all.length][2][frames];
        for (int q = 0; q < all.length; q++) {
            for (int b = 0; b < 2; b++) {
                System.arraycopy(all[q][b], 0, codes[q][b], 0, frames);
            }
        }
        float[][] whole = small().decode(codes);
        float[][] streamed = stream(small(), codes, chunk);
        for (int b = 0; b < 2; b++) {
            double d = maxDiff(whole[b], streamed[b], "row " + b);
            assertTrue(d <= 1e-5 * peak(whole[b]), "T " + frames + ", chunk " + chunk + ": max |diff| " + d);
        }
    }

    @ParameterizedTest(name = "slices of {0} frames")
    @ValueSource(ints = {1, 2, 5})
    void aWholeDecodeCutIntoSlicesStillMatchesSpeechTokenizer(int slice) {
        Path dir = resource("small");
        int[][][] codes = codes(dir.resolve("case_b2_t13_all.codes.npy"));
        FloatArray wav = Npy.readFloats(dir.resolve("case_b2_t13_all.wav.npy"));
        float[][] one = small().decode(codes);
        float[][] sliced;
        small().fixSliceFrames(slice);
        try {
            sliced = small().decode(codes);
            // a chunk longer than a slice is cut into slices inside and delivered whole
            float[][] streamed = stream(small(), codes, 6);
            for (int b = 0; b < 2; b++) {
                assertTrue(maxDiff(one[b], streamed[b], "streamed") <= 1e-5 * peak(one[b]), "streamed, row " + b);
            }
        } finally {
            small().fixSliceFrames(0);
        }
        for (int b = 0; b < 2; b++) {
            double d = maxDiff(row(wav, b), sliced[b], "row " + b);
            assertTrue(d <= 1e-5, "slices of " + slice + ", row " + b + ": max |diff| " + d + " > 1e-5");
            assertTrue(maxDiff(one[b], sliced[b], "row " + b) <= 1e-5 * peak(one[b]), "equal to one slice, row " + b);
        }
    }

    @ParameterizedTest(name = "chunks of {0} frames")
    @ValueSource(ints = {1, 3})
    void streamingEqualsTheWholeDecodeOnTheReleasedShapes(int chunk) {
        int[][][] codes = codes(resource("released").resolve("case_b1_t10_all.codes.npy"));
        float[][] whole = released().decode(codes);
        float[][] streamed = stream(released(), codes, chunk);
        double d = maxDiff(whole[0], streamed[0], "released");
        assertTrue(d <= 1e-5 * peak(whole[0]), "released, chunk " + chunk + ": max |diff| " + d);
    }

    // ---- EnCodec's causal SEANet (encodec_small/, decoded by EnCodec's own EncodecModel.decode) ----

    @ParameterizedTest(name = "{0}")
    @CsvSource({"b2_t13_all", "b2_t13_k1", "b2_t13_k3", "b1_t40_all", "b1_t1_all", "b1_t5_all"})
    void decodesTheEncodecFixtureAsEncodecDoes(String name) {
        assertTrue(encodec().config().causal(), "config.json says causal");
        // PyTorch's own float32 error is ~1.3e-7 (cases.json)
        assertDecodesTheCaseWithin1e5(encodec(), "encodec_small", name);
    }

    @ParameterizedTest(name = "slices of {0}, chunks of {1} frames")
    @CsvSource({"1,1", "1,4", "3,7", "0,5", "0,40"})
    void encodecSlicedAndStreamedEqualsEncodec(int slice, int chunk) {
        Path dir = resource("encodec_small");
        int[][][] codes = codes(dir.resolve("case_b1_t40_all.codes.npy"));
        float[] expected = row(Npy.readFloats(dir.resolve("case_b1_t40_all.wav.npy")), 0);
        encodec().fixSliceFrames(slice);
        try {
            assertTrue(maxDiff(expected, encodec().decode(codes)[0], "sliced") <= 1e-5, "sliced");
            assertTrue(maxDiff(expected, stream(encodec(), codes, chunk)[0], "streamed") <= 1e-5, "streamed");
        } finally {
            encodec().fixSliceFrames(0);
        }
    }

    /**
     * Causal: a frame's samples are final as soon as it is in (look-ahead 0), except that the
     * first conv's reflect padding mirrors frames 1..6 into the start, so nothing is final before
     * 7 frames (or the whole of a shorter sequence).
     */
    @ParameterizedTest(name = "T = {0}, pushes of {1} frames")
    @CsvSource({"40,1", "40,3", "5,1", "13,6"})
    void encodecFramesPushedAsTheyComeAreFinalAtOnceAfterTheStart(int frames, int push) {
        int[][][] all = codes(resource("encodec_small").resolve("case_b1_t40_all.codes.npy"));
        int[][][] one = new int[all.length][1][frames];
        for (int q = 0; q < all.length; q++) {
            System.arraycopy(all[q][0], 0, one[q][0], 0, frames);
        }
        Codec codec = encodec();
        assertEquals(0, codec.receptiveField().lookaheadFrames(), "look-ahead");
        assertEquals(7, codec.receptiveField().startFrames(), "frames before the first final sample");
        float[] whole = codec.decode(one)[0];
        float[] streamed = new float[whole.length];
        java.util.Arrays.fill(streamed, Float.NaN);
        long[] next = {0};
        int hop = codec.config().hop();
        try (CodecStream stream = codec.stream(all.length, frames, (row, offset, chunk) -> {
            assertEquals(next[0], offset, "chunks arrive in order, contiguous");
            System.arraycopy(chunk, 0, streamed, (int) offset, chunk.length);
            next[0] += chunk.length;
        })) {
            for (int a = 0; a < frames; a += push) {
                int e = Math.min(frames, a + push);
                int[][] pushed = new int[all.length][];
                for (int q = 0; q < all.length; q++) {
                    pushed[q] = java.util.Arrays.copyOfRange(one[q][0], a, e);
                }
                stream.push(pushed);
                long finalSamples = e == frames || e >= 7 ? (long) e * hop : 0;
                assertEquals(finalSamples, next[0], "samples final after " + e + " of " + frames + " frames");
            }
        }
        assertTrue(maxDiff(whole, streamed, "streamed") <= 1e-5 * peak(whole), "streamed equals whole");
    }

    /** EnCodec's 24 kHz shapes (32 levels of 1024, D 128, N 32), all levels and the 6 kbps 8. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"b1_t10_all", "b1_t10_k8"})
    void decodesEncodecs24khzShapesAsEncodecDoes(String name) {
        Path dir = resource("encodec_released");
        int[][][] codes = codes(dir.resolve("case_" + name + ".codes.npy"));
        float[] expected = row(Npy.readFloats(dir.resolve("case_" + name + ".wav.npy")), 0);
        float[] got = encodecReleased().decode(codes)[0];
        double d = maxDiff(expected, got, name);
        double peak = peak(expected);
        assertTrue(d <= 1e-4 * peak, name + ": max |diff| " + d + " > 1e-4 of the peak " + peak);
        float[] streamed = stream(encodecReleased(), codes, 3)[0];
        assertTrue(maxDiff(got, streamed, "streamed") <= 1e-5 * peak(got), name + ": streamed equals whole");
    }

    /**
     * Causal configs at the smallest hops allowed (7 and 8 samples: the last conv's start
     * reflection stays in frame 0), fill-formula weights: one frame per slice, and streamed one
     * frame at a time, equal the whole decode.
     */
    @ParameterizedTest(name = "strides {0}")
    @ValueSource(strings = {"7", "4 2"})
    void aCausalDecoderAtTheSmallestHopsSlicesAsTheWhole(String strides) {
        int[] ratios = java.util.Arrays.stream(strides.split(" ")).mapToInt(Integer::parseInt).toArray();
        CodecConfig config = new CodecConfig(4, ratios, 16, 1, 2, 3, 1, 32, 4, 24000, true);
        int[][][] codes = new int[4][1][12];
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        for (int[][] level : codes) {
            for (int t = 0; t < 12; t++) {
                level[0][t] = random.nextInt(32);
            }
        }
        try (FormulaTensors t = new FormulaTensors(config); Codec codec = Codec.create(config, t, createBackend())) {
            float[] whole = codec.decode(codes)[0];
            codec.fixSliceFrames(1);
            float[] sliced = codec.decode(codes)[0];
            float[] streamed = stream(codec, codes, 1)[0];
            assertTrue(maxDiff(whole, sliced, "sliced") <= 1e-5 * peak(whole), "sliced equals whole");
            assertTrue(maxDiff(whole, streamed, "streamed") <= 1e-5 * peak(whole), "streamed equals whole");
        }
    }
}
