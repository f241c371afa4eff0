package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * A backend's decoding ops against the CPU backend (whose ops are the Java TokenScorer and sort):
 * same logits and row steps, bit for bit the same tokens and confidences; a batch whose rows have
 * different steps equal to each row scored alone; {@code selectRows} against a Java copy; the
 * mixed-level forward pass against the single-level one; and a whole generation on the device with
 * one upload per input and one read of the tokens. A backend's test extends this class and says
 * how to make the backend and count its transfers.
 */
public abstract class DecodingContract {
    private static final int BATCH = 3;
    private static final int FRAMES = 45;
    private static final int LEVELS = 3;
    private static final int CODEBOOK = 97;

    @TempDir
    Path tmp;

    /** A fresh backend under test (skipping the test when its device is absent). */
    protected abstract Backend createBackend();

    /** Host-to-device and device-to-host copies {@code backend} has made so far, or null where not counted. */
    protected abstract long[] transfers(Backend backend);

    private record Decoded(int[] drawn, float[] confidence, int[] tokens) {
    }

    private static final int[] LENGTHS = {45, 30, 17};
    private static final int[] PROMPTS = {5, 0, 3};
    private static final int[] OFFSETS = {0, 100, 7};
    private static final int[] SEQUENCES = {0, 1, 2};

    /** One batch to score and commit: {@code [batch, frames, codebook]} logits, tokens, per-row layout and steps. */
    private record Case(int frames, float[] logits, int[] tokens, int[] lengths, int[] prompts, int[] offsets,
                        int[] sequences, List<RowStep> steps) {
        int batch() {
            return lengths.length;
        }

        /** Row b of this batch alone, a batch of 1. */
        Case row(int b) {
            return new Case(frames, Arrays.copyOfRange(logits, b * frames * CODEBOOK, (b + 1) * frames * CODEBOOK),
                    Arrays.copyOfRange(tokens, b * frames * LEVELS, (b + 1) * frames * LEVELS), new int[] {lengths[b]},
                    new int[] {prompts[b]}, new int[] {offsets[b]}, new int[] {sequences[b]}, List.of(steps.get(b)));
        }
    }

    /**
     * Scores and commits one pass on {@code backend}, poisoning the outputs first; the row steps'
     * tables are larger than the batch (a capacity), their extra rows random.
     */
    private static Decoded run(Backend backend, Case c) {
        int batch = c.batch();
        int rows = batch * c.frames();
        DecodeLayout layout = new DecodeLayout(batch, c.frames(), LEVELS, CODEBOOK, ints(backend, c.lengths()),
                ints(backend, c.prompts()), ints(backend, c.offsets()), ints(backend, c.sequences()));
        IntTensor tok = ints(backend, c.tokens());
        int[] poisonInts = new int[rows];
        Arrays.fill(poisonInts, -7);
        IntTensor drawn = ints(backend, poisonInts);
        float[] poisonFloats = new float[rows];
        Arrays.fill(poisonFloats, Float.NaN);
        Tensor confidence = backend.upload(poisonFloats);
        List<RowStep> withSpare = new ArrayList<>(c.steps());
        withSpare.add(new RowStep(1, 5, 3f, 2, 9f, 99L, 1));
        RowStep.Packed packed = RowStep.pack(withSpare, CODEBOOK, backend.maxTopK());
        RowSteps steps = RowSteps.allocate(backend, batch + 2);
        steps.write(backend, packed);
        backend.scoreTokens(backend.upload(c.logits()), tok, layout, steps, drawn, confidence);
        int[] d = new int[rows];
        float[] conf = new float[rows];
        backend.readInts(drawn, d);
        backend.read(confidence, conf);
        backend.commitTokens(drawn, confidence, steps, tok, layout);
        int[] t = new int[c.tokens().length];
        backend.readInts(tok, t);
        return new Decoded(d, conf, t);
    }

    /** Random logits (coarse: ties common) and tokens whose levels below {@code levelOf(b)} are decoded. */
    private static Case randomCase(SplittableRandom r, int[] rowLevels, List<RowStep> steps, int[] lengths,
                                   int[] prompts, int[] offsets, int[] sequences) {
        int batch = lengths.length;
        float[] logits = new float[batch * FRAMES * CODEBOOK];
        for (int i = 0; i < logits.length; i++) {
            // coarse values make ties (equal logits, equal confidences) common
            logits[i] = (float) Math.round(r.nextGaussian() * 8) / 4f;
        }
        int[] tokens = new int[batch * FRAMES * LEVELS];
        for (int i = 0; i < tokens.length; i++) {
            int q = i % LEVELS;
            int level = Math.max(0, rowLevels[i / (FRAMES * LEVELS)]);
            // coarser levels decoded; the current level partly fixed already; finer levels masked
            tokens[i] = q < level ? r.nextInt(CODEBOOK) : q > level ? CODEBOOK : r.nextInt(3) == 0 ? r.nextInt(CODEBOOK) : CODEBOOK;
        }
        return new Case(FRAMES, logits, tokens, lengths, prompts, offsets, sequences, steps);
    }

    private static void assertSame(Decoded expected, Decoded actual, String what) {
        assertArrayEquals(expected.confidence(), actual.confidence(), what + ": confidences");
        for (int i = 0; i < expected.drawn().length; i++) {
            if (expected.confidence()[i] != Float.POSITIVE_INFINITY) {
                assertEquals(expected.drawn()[i], actual.drawn()[i], what + ": drawn token at " + i);
            } else {
                assertEquals(0, actual.drawn()[i], what + ": drawn at a non-candidate " + i);
            }
        }
        assertArrayEquals(expected.tokens(), actual.tokens(), what + ": tokens after commit");
    }

    /** The commit's oracle: per row, the stay least confident candidates (ties: lower frame) stay masked. */
    private static int[] commitOracle(Case c, Decoded scored) {
        int[] tokens = c.tokens().clone();
        for (int b = 0; b < c.batch(); b++) {
            RowStep step = c.steps().get(b);
            if (step.level() < 0) {
                continue;
            }
            List<long[]> candidates = new ArrayList<>();
            for (int t = 0; t < c.frames(); t++) {
                float conf = scored.confidence()[b * c.frames() + t];
                if (conf != Float.POSITIVE_INFINITY) {
                    candidates.add(new long[] {Float.floatToIntBits(conf), t});
                }
            }
            candidates.sort((x, y) -> {
                float fx = Float.intBitsToFloat((int) x[0]);
                float fy = Float.intBitsToFloat((int) y[0]);
                int byValue = Float.compare(fx, fy); // -0 before +0, as rankKey
                return byValue != 0 ? byValue : Long.compare(x[1], y[1]);
            });
            for (int k = step.stay(); k < candidates.size(); k++) {
                int row = b * c.frames() + (int) candidates.get(k)[1];
                tokens[row * LEVELS + step.level()] = scored.drawn()[row];
            }
        }
        return tokens;
    }

    /**
     * Rows whose stay count is 0 (the iteration leaves them with nothing masked) take the argmax,
     * the others sample, in the same launch; "stay" lists the three rows' counts.
     */
    @ParameterizedTest(name = "level {0}, stay {1}, top-k {2}, choice noise {3}, seed {4}")
    @CsvSource({"0,9 4 0,0,4.5,1", "1,0 4 0,5,2.0,-3", "2,0 0 0,0,0.0,7", "0,9 0 3,64,1.0,123456789012",
            "1,3 2 1,0,0.0,0", "2,0 6 2,1,3.0,5", "1,2 0 5,0,4.5,42"})
    void scoringAndCommitMatchTheCpuBackendBitForBit(int level, String stayCounts, int topK, float noise, long seed) {
        int[] stay = Arrays.stream(stayCounts.split(" ")).mapToInt(Integer::parseInt).toArray();
        SplittableRandom r = new SplittableRandom(seed ^ level);
        List<RowStep> steps = new ArrayList<>();
        for (int b = 0; b < BATCH; b++) {
            steps.add(new RowStep(level, 2, 1f / 0.7f, topK, noise, seed, stay[b]));
        }
        Case c = randomCase(r, new int[] {level, level, level}, steps, LENGTHS, PROMPTS, OFFSETS, SEQUENCES);
        float[] logits = c.logits();
        int[] tokens = c.tokens();
        Decoded cpu;
        try (Backend b = new CpuBackend(2)) {
            cpu = run(b, c);
        }
        Decoded gpu;
        try (Backend b = createBackend()) {
            gpu = run(b, c);
        }
        assertSame(cpu, gpu, "against the CPU backend");
        assertArrayEquals(commitOracle(c, gpu), gpu.tokens(), "the commit against its oracle");
        // the oracle: rows with nothing left masked drew the argmax (ties: lower id), the others not always
        int unlikeArgmax = 0;
        for (int i = 0; i < cpu.drawn().length; i++) {
            if (cpu.confidence()[i] == Float.POSITIVE_INFINITY) {
                continue;
            }
            int argmax = 0;
            for (int k = 1; k < CODEBOOK; k++) {
                argmax = logits[i * CODEBOOK + k] > logits[i * CODEBOOK + argmax] ? k : argmax;
            }
            if (stay[i / FRAMES] == 0) {
                assertEquals(argmax, gpu.drawn()[i], "row " + i / FRAMES + " leaves nothing masked: argmax at " + i);
                assertEquals(argmax, cpu.drawn()[i], "row " + i / FRAMES + " leaves nothing masked: argmax at " + i
                        + " on the CPU");
            } else {
                unlikeArgmax += cpu.drawn()[i] != argmax ? 1 : 0;
            }
        }
        if (topK != 1 && Arrays.stream(stay).anyMatch(n -> n > 0)) {
            assertTrue(unlikeArgmax > 0, "rows with positions left masked sample");
        }
        assertTrue(Arrays.stream(cpu.tokens()).filter(t -> t == CODEBOOK).count()
                < Arrays.stream(tokens).filter(t -> t == CODEBOOK).count(), "the commit fixed some positions");
    }

    /**
     * One call over rows at different levels, iterations, temperatures, top-k, choice noise, seeds and
     * stay counts, plus an idle row, equals each row scored and committed alone, and the CPU backend.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"3", "-12345678901"})
    void rowsWithTheirOwnStepsScoreAsEachRowAlone(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] levels = {2, 0, RowSteps.IDLE, 1, 0, 1};
        List<RowStep> steps = List.of(
                new RowStep(2, 0, 1f / 0.9f, 0, 4.5f, seed, 7),
                new RowStep(0, 3, 1f / 0.3f, 5, 1.5f, seed + 1, 2),
                RowStep.idle(),
                new RowStep(1, 1, 1f / 1.7f, 64, 0f, -seed, 0),
                new RowStep(0, 0, 1f, CODEBOOK + 3, 0.25f, 0x7fff_ffff_ffffL, 11),
                new RowStep(1, 6, 1f / 0.05f, 1, 3f, 42L, 4));
        int[] lengths = {45, 30, 41, 17, 44, 39};
        int[] prompts = {5, 0, 2, 3, 0, 30};
        int[] offsets = {0, 100, 9, 7, 1000, 3};
        int[] sequences = {0, 1, 5, 2, 255, 3};
        Case c = randomCase(r, levels, steps, lengths, prompts, offsets, sequences);
        Decoded together;
        Decoded[] alone = new Decoded[c.batch()];
        try (Backend b = createBackend()) {
            together = run(b, c);
            for (int row = 0; row < c.batch(); row++) {
                alone[row] = run(b, c.row(row));
            }
        }
        Decoded cpu;
        try (Backend b = new CpuBackend(2)) {
            cpu = run(b, c);
        }
        assertSame(cpu, together, "against the CPU backend");
        assertArrayEquals(commitOracle(c, together), together.tokens(), "the commit against its oracle");
        int n = FRAMES;
        for (int row = 0; row < c.batch(); row++) {
            Decoded rowOfTogether = new Decoded(Arrays.copyOfRange(together.drawn(), row * n, (row + 1) * n),
                    Arrays.copyOfRange(together.confidence(), row * n, (row + 1) * n),
                    Arrays.copyOfRange(together.tokens(), row * n * LEVELS, (row + 1) * n * LEVELS));
            assertSame(alone[row], rowOfTogether, "row " + row + " in the batch and alone");
        }
        // the idle row scored nothing and committed nothing
        for (int t = 0; t < n; t++) {
            assertEquals(Float.POSITIVE_INFINITY, together.confidence()[2 * n + t], "idle row's confidence at " + t);
            assertEquals(0, together.drawn()[2 * n + t], "idle row's drawn token at " + t);
        }
        assertArrayEquals(Arrays.copyOfRange(c.tokens(), 2 * n * LEVELS, 3 * n * LEVELS),
                Arrays.copyOfRange(together.tokens(), 2 * n * LEVELS, 3 * n * LEVELS), "idle row's tokens");
        // every other row had candidates and the greedy row (stay 0) drew the argmax
        for (int row : new int[] {0, 1, 3, 4, 5}) {
            long candidates = 0;
            for (int t = 0; t < n; t++) {
                candidates += together.confidence()[row * n + t] != Float.POSITIVE_INFINITY ? 1 : 0;
            }
            assertTrue(candidates > 0, "row " + row + " has candidates");
        }
        for (int t = 0; t < n; t++) {
            int i = 3 * n + t;
            if (together.confidence()[i] != Float.POSITIVE_INFINITY) {
                int argmax = 0;
                for (int k = 1; k < CODEBOOK; k++) {
                    argmax = c.logits()[i * CODEBOOK + k] > c.logits()[i * CODEBOOK + argmax] ? k : argmax;
                }
                assertEquals(argmax, together.drawn()[i], "greedy row 3: argmax at frame " + t);
            }
        }
    }

    /** selectRows copies exactly the rows at the level, leaving the others (and the tail) as they were. */
    @ParameterizedTest(name = "level {0}")
    @CsvSource({"0", "2", "-1"})
    void selectRowsCopiesTheRowsAtTheLevel(int level) {
        int batch = 7;
        int rowSize = 37;
        int[] levels = {2, 0, RowSteps.IDLE, 2, 1, 0, 2};
        SplittableRandom r = new SplittableRandom(31 + level);
        float[] src = new float[batch * rowSize + 5];
        float[] dst = new float[batch * rowSize + 9];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < dst.length; i++) {
            dst[i] = 1000f + i;
        }
        float[] expected = dst.clone();
        for (int b = 0; b < batch; b++) {
            if (levels[b] == level) {
                System.arraycopy(src, b * rowSize, expected, b * rowSize, rowSize);
            }
        }
        List<RowStep> steps = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            steps.add(levels[b] < 0 ? RowStep.idle() : new RowStep(levels[b], 1, 1f, 0, 0f, b, 1));
        }
        float[] out = new float[dst.length];
        try (Backend b = createBackend()) {
            RowSteps rowSteps = RowSteps.allocate(b, batch);
            rowSteps.write(b, RowStep.pack(steps, CODEBOOK, b.maxTopK()));
            Tensor d = b.upload(dst);
            b.selectRows(b.upload(src), rowSteps, level, d, batch, rowSize);
            b.read(d, out);
        }
        assertArrayEquals(expected, out);
        assertTrue(level == 1 || !Arrays.equals(dst, out), "some rows were copied");
    }

    /** A top-k truncation above the backend's limit is refused when packed, naming the row. */
    @Test
    void aTopKAboveTheLimitIsRefusedNamingTheRow() {
        try (Backend b = createBackend()) {
            Assumptions.assumeTrue(b.maxTopK() < Integer.MAX_VALUE, "no top-k limit");
            int k = b.maxTopK() + 1;
            List<RowStep> steps = List.of(new RowStep(0, 0, 1f, 0, 0f, 1L, 0), new RowStep(0, 0, 1f, k, 0f, 1L, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RowStep.pack(steps, k + 1, b.maxTopK()));
            assertTrue(e.getMessage().contains("row 1"), e.getMessage());
            RowStep.pack(steps, k, b.maxTopK()); // top-k of the whole codebook: no truncation
        }
    }

    /** The forward pass with rows at several levels gives each row its own level's logits. */
    @Test
    void aForwardPassWithMixedLevelsGivesEachRowItsLevelsLogits() {
        ModelConfig config = new ModelConfig(32, 2, 2, 16, 2, 2, 7, 4, 64, 20, 2, LogitHead.PROJECTED);
        Path dir = TestModels.random(tmp.resolve("mixed"), config, 5);
        int batch = 4;
        int frames = 13;
        int q = config.numQuantizers();
        int c = config.codebookSize();
        SplittableRandom r = new SplittableRandom(77);
        int[] lengths = {13, 7, 11, 1};
        int[] tokens = new int[batch * frames * q];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(c + 1);
        }
        int[] semantic = r.ints(batch * frames, 0, 20).toArray();
        int[] rowLevels = {2, 0, RowSteps.IDLE, 2};
        List<RowStep> steps = new ArrayList<>();
        for (int level : rowLevels) {
            steps.add(level < 0 ? RowStep.idle() : new RowStep(level, 0, 1f, 0, 0f, 0L, 1));
        }
        Backend backend = createBackend();
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Conformer model = new Conformer(checkpoint, backend);
            // device inputs with room to spare, as a workspace's
            IntTensor tok = backend.allocateInts(tokens.length + batch * q);
            IntTensor sem = backend.allocateInts(semantic.length + batch);
            IntTensor len = backend.allocateInts(batch + 1);
            backend.write(tok, tokens);
            backend.write(sem, semantic);
            backend.write(len, lengths);
            RowSteps rowSteps = RowSteps.allocate(backend, batch);
            rowSteps.write(backend, RowStep.pack(steps, c, backend.maxTopK()));
            float[] mixed = new float[batch * frames * c];
            backend.read(model.forward(tok, sem, len, batch, frames, rowSteps, new int[] {0, 2}), mixed);
            // a larger shape first, so the single-level passes run in a grown workspace
            model.forward(tok, sem, len, batch, frames + 1, 1);
            for (int level : new int[] {0, 2}) {
                float[] single = new float[batch * frames * c];
                backend.read(model.forward(tok, sem, len, batch, frames, level), single);
                for (int b = 0; b < batch; b++) {
                    if (rowLevels[b] != level) {
                        continue;
                    }
                    for (int t = 0; t < lengths[b]; t++) {
                        int from = (b * frames + t) * c;
                        assertArrayEquals(Arrays.copyOfRange(single, from, from + c),
                                Arrays.copyOfRange(mixed, from, from + c),
                                "row " + b + " frame " + t + " at level " + level);
                    }
                }
            }
            float[] level0 = new float[batch * frames * c];
            backend.read(model.forward(tok, sem, len, batch, frames, 0), level0);
            assertTrue(!Arrays.equals(Arrays.copyOfRange(level0, 0, c), Arrays.copyOfRange(mixed, 0, c)),
                    "row 0 got level 2's logits, not level 0's");
        } finally {
            backend.close();
        }
    }

    private static IntTensor ints(Backend backend, int[] values) {
        IntTensor t = backend.allocateInts(values.length);
        backend.write(t, values);
        return t;
    }

    @Test
    void aRepeatedGenerationRunsOnTheDeviceWithOneUploadPerInputAndOneRead() {
        ModelConfig config = new ModelConfig(32, 2, 2, 16, 2, 2, 7, 4, 64, 20, 2, LogitHead.PROJECTED);
        Path dir = TestModels.random(tmp.resolve("m"), config, 3);
        Backend backend = createBackend();
        try (SoundStorm model = SoundStorm.load(dir, backend)) {
            GenerationConfig cfg = GenerationConfig.paper().withSeed(9);
            List<Utterance> batch = List.of(Utterance.of(new SplittableRandom(1).ints(40, 0, 20).toArray()),
                    Utterance.of(new SplittableRandom(2).ints(36, 0, 20).toArray()));
            model.generate(batch, cfg, p -> { });
            long[] before = transfers(backend);
            long passesBefore = model.engine().metrics().passes();
            int[][] first = model.generate(batch, cfg.withSeed(10), p -> { }).sequence(0);
            long passes = model.engine().metrics().passes() - passesBefore;
            long[] after = transfers(backend);
            // lengths within the engine's padding bound: the two rows share every pass
            assertEquals(16 + 3, passes, "forward passes of the batch (paper preset, 4 levels)");
            if (before != null) {
                // tokens, semantic, lengths, prompt frames, output offsets, sequence ids; each pass's row steps (2)
                assertEquals(6 + 2 * passes, after[0] - before[0], "host-to-device copies per generation");
                assertEquals(1, after[1] - before[1], "device-to-host copies per generation");
            }
            int[][] cpuFirst;
            try (SoundStorm cpu = SoundStorm.load(dir, "cpu")) {
                cpuFirst = cpu.generate(batch, cfg.withSeed(10), p -> { }).sequence(0);
            }
            int same = 0;
            int all = 0;
            for (int t = 0; t < first.length; t++) {
                for (int q = 0; q < first[t].length; q++) {
                    same += first[t][q] == cpuFirst[t][q] ? 1 : 0;
                    all++;
                }
            }
            assertTrue(same >= 0.99 * all, same + " of " + all + " tokens agree with the CPU backend");
        }
    }
}
