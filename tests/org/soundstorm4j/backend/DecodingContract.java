package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * A device backend's decoding kernels against the CPU backend (whose ops are the Java TokenScorer
 * and sort): same logits and seed, bit for bit the same tokens and confidences; and a whole
 * generation on the device with one upload per input and one read of the tokens. A backend's
 * test extends this class and says how to make the backend and count its transfers.
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

    /** Host-to-device and device-to-host copies {@code backend} has made so far. */
    protected abstract long[] transfers(Backend backend);

    private record Decoded(int[] drawn, float[] confidence, int[] tokens) {
    }

    private static final int[] LENGTHS = {45, 30, 17};
    private static final int[] PROMPTS = {5, 0, 3};
    /** Entries before this iteration's in the stay table (earlier passes'), which must not be read. */
    private static final int[] EARLIER_STAY = {0, 6, 0, 2};

    /**
     * Scores and commits one iteration on {@code backend}, poisoning the outputs first; row b's
     * stay count is {@code stay[b]}, read from a table at an offset.
     */
    private static Decoded run(Backend backend, float[] logits, int[] tokens, ScoreStep step, long seed, int[] stay) {
        int[] lengths = LENGTHS;
        int[] prompts = PROMPTS;
        int[] offsets = {0, 100, 7};
        int[] sequences = {0, 1, 2};
        DecodeLayout layout = new DecodeLayout(BATCH, FRAMES, LEVELS, CODEBOOK, ints(backend, lengths),
                ints(backend, prompts), ints(backend, offsets), ints(backend, sequences),
                ints(backend, DecodeLayout.seedWords(seed)));
        IntTensor tok = ints(backend, tokens);
        int[] poisonInts = new int[BATCH * FRAMES];
        Arrays.fill(poisonInts, -7);
        IntTensor drawn = ints(backend, poisonInts);
        float[] poisonFloats = new float[BATCH * FRAMES];
        Arrays.fill(poisonFloats, Float.NaN);
        Tensor confidence = backend.upload(poisonFloats);
        int[] table = Arrays.copyOf(EARLIER_STAY, EARLIER_STAY.length + BATCH);
        System.arraycopy(stay, 0, table, EARLIER_STAY.length, BATCH);
        IntTensor stayTable = ints(backend, table);
        int offset = EARLIER_STAY.length;
        backend.scoreTokens(backend.upload(logits), tok, layout, step, stayTable, offset, drawn, confidence);
        int[] d = new int[BATCH * FRAMES];
        float[] c = new float[BATCH * FRAMES];
        backend.readInts(drawn, d);
        backend.read(confidence, c);
        backend.commitTokens(drawn, confidence, stayTable, offset, tok, layout, step.level());
        int[] t = new int[tokens.length];
        backend.readInts(tok, t);
        return new Decoded(d, c, t);
    }

    private static IntTensor ints(Backend backend, int[] values) {
        IntTensor t = backend.allocateInts(values.length);
        backend.write(t, values);
        return t;
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
        float[] logits = new float[BATCH * FRAMES * CODEBOOK];
        for (int i = 0; i < logits.length; i++) {
            // coarse values make ties (equal logits, equal confidences) common
            logits[i] = (float) Math.round(r.nextGaussian() * 8) / 4f;
        }
        int[] tokens = new int[BATCH * FRAMES * LEVELS];
        for (int i = 0; i < tokens.length; i++) {
            int q = i % LEVELS;
            // coarser levels decoded; the current level partly fixed already; finer levels masked
            tokens[i] = q < level ? r.nextInt(CODEBOOK) : q > level ? CODEBOOK : r.nextInt(3) == 0 ? r.nextInt(CODEBOOK) : CODEBOOK;
        }
        ScoreStep step = new ScoreStep(level, 2, 1f / 0.7f, topK, noise);
        Decoded cpu;
        try (Backend b = new CpuBackend(2)) {
            cpu = run(b, logits, tokens, step, seed, stay);
        }
        Decoded gpu;
        try (Backend b = createBackend()) {
            gpu = run(b, logits, tokens, step, seed, stay);
        }
        assertArrayEquals(cpu.confidence(), gpu.confidence(), "confidences");
        for (int i = 0; i < cpu.drawn().length; i++) {
            if (cpu.confidence()[i] != Float.POSITIVE_INFINITY) {
                assertEquals(cpu.drawn()[i], gpu.drawn()[i], "drawn token at " + i);
            }
        }
        assertArrayEquals(cpu.tokens(), gpu.tokens(), "tokens after commit");
        // the oracle: rows with nothing left masked drew the argmax (ties: lower id), the others not always
        int unlikeArgmax = 0;
        for (int i = 0; i < cpu.drawn().length; i++) {
            if (cpu.confidence()[i] == Float.POSITIVE_INFINITY) {
                continue;
            }
            int argmax = 0;
            for (int c = 1; c < CODEBOOK; c++) {
                argmax = logits[i * CODEBOOK + c] > logits[i * CODEBOOK + argmax] ? c : argmax;
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

    @Test
    void aRepeatedGenerationRunsOnTheDeviceWithOneUploadPerInputAndOneRead() {
        ModelConfig config = new ModelConfig(32, 2, 2, 16, 2, 2, 7, 4, 64, 20, 2, LogitHead.PROJECTED);
        Path dir = TestModels.random(tmp.resolve("m"), config, 3);
        Backend backend = createBackend();
        try (SoundStorm model = SoundStorm.load(dir, backend)) {
            GenerationConfig cfg = GenerationConfig.paper().withSeed(9);
            List<Utterance> batch = List.of(Utterance.of(new SplittableRandom(1).ints(40, 0, 20).toArray()),
                    Utterance.of(new SplittableRandom(2).ints(23, 0, 20).toArray()));
            model.generate(batch, cfg, p -> { });
            long[] before = transfers(backend);
            int[][] first = model.generate(batch, cfg.withSeed(10), p -> { }).sequence(0);
            long[] after = transfers(backend);
            // tokens, semantic, lengths, prompt frames, output offsets, sequence ids, seed, stay table
            assertEquals(8, after[0] - before[0], "host-to-device copies per generation");
            assertEquals(1, after[1] - before[1], "device-to-host copies per generation");
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
