package org.soundstorm4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.backend.ProfilingBackend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/** Generation end to end through the real network on the CPU backend. */
class SoundStormTest {
    /** Q = 12 as in the paper, tiny otherwise. */
    private static final ModelConfig TWELVE_LEVELS = new ModelConfig(16, 1, 2, 8, 2, 1, 5, 12, 16, 10, 1, LogitHead.PROJECTED);
    private static final ModelConfig RATIO_TWO = new ModelConfig(16, 1, 2, 8, 2, 1, 5, 3, 16, 10, 2, LogitHead.DENSE);

    @TempDir
    Path tmp;

    private static int[] ids(int n, int vocab, int seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = (int) ((i * 2654435761L + seed * 40503L) % vocab);
        }
        return a;
    }

    @Test
    void theTokensAreTheOnesTheKnownLogitsImply() {
        // 2 levels, 3 semantic ids, 6 codes; semantic id 2 ties codes 1 and 4 at level 0
        float[][][] table = {
                {{0, 9, 1, 2, 3, 4}, {5, 1, 1, 1, 1, 1}, {0, 6, 0, 0, 6, 0}},
                {{1, 1, 1, 1, 1, 7}, {1, 1, 8, 1, 1, 1}, {3, 2, 1, 0, 0, 0}}};
        Path dir = TestModels.knownLogits(tmp.resolve("known"), table);
        int[] semantic = {0, 1, 2, 2, 1, 0, 2};
        int[][] expected = {{1, 5}, {0, 2}, {1, 0}, {1, 0}, {0, 2}, {1, 5}, {1, 0}};
        // the exact tie needs the CPU's arithmetic: a GPU's products may round the two logits apart
        try (SoundStorm model = SoundStorm.load(dir, "cpu")) {
            int[][] fast = model.generate(Utterance.of(semantic), GenerationConfig.fast()).sequence(0);
            assertArrayEquals(expected, fast);
            // the paper's schedule with sampling: the logits are so peaked at low temperature that
            // every draw is the argmax, except the tie, which sampling may break either way
            int[][] sampled = model.generate(Utterance.of(semantic), GenerationConfig.paper().withTemperature(0.05f)
                    .withSeed(3)).sequence(0);
            for (int t = 0; t < semantic.length; t++) {
                if (semantic[t] == 2) {
                    assertTrue(sampled[t][0] == 1 || sampled[t][0] == 4, "tie drew " + sampled[t][0]);
                } else {
                    assertEquals(expected[t][0], sampled[t][0], "frame " + t);
                }
                assertEquals(expected[t][1], sampled[t][1], "greedy level 1, frame " + t);
            }
        }
    }

    @Test
    void thePaperPresetTakes27ForwardPassesAtTwelveLevels() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        ProfilingBackend counting = new ProfilingBackend(new CpuBackend());
        try (SoundStorm model = SoundStorm.load(dir, counting)) {
            counting.reset();
            model.generate(Utterance.of(ids(40, 10, 1)), GenerationConfig.paper());
            assertEquals(27, counting.calls("embedSum"));
            counting.reset();
            model.generate(Utterance.of(ids(40, 10, 1)), GenerationConfig.fast());
            assertEquals(12, counting.calls("embedSum"));
        }
    }

    @Test
    void progressCountsEveryPassUpToTheTotal() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        List<Progress> seen = new ArrayList<>();
        try (SoundStorm model = SoundStorm.load(dir)) {
            model.generate(List.of(Utterance.of(ids(30, 10, 2))), GenerationConfig.paper(), seen::add);
        }
        assertEquals(27, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i + 1, seen.get(i).passesDone());
            assertEquals(27, seen.get(i).passesTotal());
        }
        assertEquals(new Progress(0, 1, 0, 15, 16, 27), seen.get(15));
        assertEquals(new Progress(0, 1, 11, 0, 27, 27), seen.get(26));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        try (SoundStorm model = SoundStorm.load(dir)) {
            Utterance u = Utterance.of(ids(25, 10, 3));
            int[][] a = model.generate(u, GenerationConfig.paper().withSeed(5)).sequence(0);
            int[][] b = model.generate(u, GenerationConfig.paper().withSeed(5)).sequence(0);
            int[][] c = model.generate(u, GenerationConfig.paper().withSeed(6)).sequence(0);
            assertArrayEquals(a, b);
            assertFalse(Arrays.deepEquals(a, c));
        }
    }

    @Test
    void anUtteranceGetsTheSameTokensAloneAndAnywhereInABatchOfDifferentLengths() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        try (SoundStorm model = SoundStorm.load(dir)) {
            Utterance first = Utterance.of(ids(23, 10, 4));
            Utterance second = Utterance.of(ids(37, 10, 5));
            GenerationConfig cfg = GenerationConfig.paper().withSeed(11);
            int[][] alone = model.generate(first, cfg).sequence(0);
            AcousticTokens batch = model.generate(List.of(first, second), cfg, ProgressListener.NONE);
            assertArrayEquals(alone, batch.sequence(0));
            assertEquals(37, batch.frames(1));
            AcousticTokens swapped = model.generate(List.of(second, first), cfg, ProgressListener.NONE);
            assertArrayEquals(alone, swapped.sequence(1));
            assertArrayEquals(batch.sequence(1), swapped.sequence(0));
        }
    }

    @Test
    void promptIsExcludedFromTheOutputAndSemanticTokensAreUpsampled() {
        Path dir = TestModels.random(tmp.resolve("r2"), RATIO_TWO, 2);
        int[][] prompt = new int[8][3];
        for (int t = 0; t < 8; t++) {
            prompt[t] = new int[] {t % 16, (3 * t) % 16, (5 * t) % 16};
        }
        try (SoundStorm model = SoundStorm.load(dir)) {
            Utterance u = Utterance.of(ids(11, 10, 6)).withPrompt(ids(4, 10, 7), prompt);
            int[][] out = model.generate(u, GenerationConfig.paper()).sequence(0);
            assertEquals(22, out.length);
            for (int[] frame : out) {
                assertEquals(3, frame.length);
                for (int id : frame) {
                    assertTrue(id >= 0 && id < 16, "id " + id);
                }
            }
            // the prompt changes the result: it is attended to
            int[][] unprompted = model.generate(Utterance.of(ids(11, 10, 6)), GenerationConfig.paper()).sequence(0);
            assertFalse(Arrays.deepEquals(out, unprompted));
        }
    }

    @Test
    void longInputsAreGeneratedWindowByWindow() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        List<Progress> seen = new ArrayList<>();
        try (SoundStorm model = SoundStorm.load(dir)) {
            GenerationConfig cfg = GenerationConfig.fast().withWindow(20, 5);
            AcousticTokens out = model.generate(List.of(Utterance.of(ids(50, 10, 8))), cfg, seen::add);
            assertEquals(50, out.frames(0));
            // windows of 20 frames: 20 new, then 15 new after a 5-frame prompt, twice
            assertEquals(3, seen.getLast().windows());
            assertEquals(3 * 12, seen.getLast().passesTotal());
            // the window size does not matter when the input fits in one window
            int[][] one = model.generate(Utterance.of(ids(18, 10, 9)), GenerationConfig.fast().withWindow(20, 5)).sequence(0);
            int[][] big = model.generate(Utterance.of(ids(18, 10, 9)), GenerationConfig.fast()).sequence(0);
            assertArrayEquals(big, one);
        }
    }

    @Test
    void concurrentGenerationsOnOneModelAreBatchedAndEachEqualsItsSoloResult() throws Exception {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        try (SoundStorm model = SoundStorm.load(dir)) {
            Utterance u = Utterance.of(ids(20, 10, 10));
            int[][] expected = model.generate(u, GenerationConfig.paper()).sequence(0);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            List<Future<int[][]>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(pool.submit(() -> model.generate(u, GenerationConfig.paper()).sequence(0)));
            }
            for (Future<int[][]> f : results) {
                assertArrayEquals(expected, f.get());
            }
            pool.shutdown();
        }
    }

    @Test
    void badRequestsAreRejectedNamingTheProblem() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        try (SoundStorm model = SoundStorm.load(dir)) {
            GenerationConfig paper = GenerationConfig.paper();
            int[][] prompt = new int[3][12];
            assertMessage("semantic ids are empty", () -> Utterance.of(new int[0]));
            assertMessage("utterance 0: semantic id 10 at 2 out of range [0, 10)",
                    () -> model.generate(Utterance.of(new int[] {1, 2, 10}), paper));
            assertMessage("utterance 0: prompt frame 1 has 11 levels, the model has 12",
                    () -> model.generate(Utterance.of(ids(5, 10, 1)).withPrompt(ids(3, 10, 1),
                            new int[][] {new int[12], new int[11], new int[12]}), paper));
            assertMessage("utterance 0: prompt token 16 at [2, 0] out of range [0, 16)", () -> {
                int[][] p = new int[3][12];
                p[2][0] = 16;
                model.generate(Utterance.of(ids(5, 10, 1)).withPrompt(ids(3, 10, 1), p), paper);
            });
            assertMessage("the prompt has 3 acoustic frames, its 2 semantic ids imply 2",
                    () -> model.generate(Utterance.of(ids(5, 10, 1)).withPrompt(ids(2, 10, 1), prompt), paper));
            assertMessage("steps: 3 entries given, the model has 12 levels",
                    () -> model.generate(Utterance.of(ids(5, 10, 1)), paper.withSteps(StepPlan.explicit(16, 1, 1))));
            assertMessage("the prompt has 3 frames, which leaves no room in a window of 3 frames",
                    () -> model.generate(Utterance.of(ids(5, 10, 1)).withPrompt(ids(3, 10, 1), prompt),
                            paper.withWindow(3, 1)));
            assertMessage("no utterances", () -> model.generate(List.of(), paper, ProgressListener.NONE));
            assertMessage("temperature must be a positive number", () -> paper.withTemperature(0f));
            // the model still works after refusals
            assertEquals(5, model.generate(Utterance.of(ids(5, 10, 1)), paper).frames(0));
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }

    @Test
    void aClosedModelRefusesWork() {
        Path dir = TestModels.random(tmp.resolve("q12"), TWELVE_LEVELS, 1);
        SoundStorm model = SoundStorm.load(dir);
        model.close();
        assertThrows(IllegalStateException.class, () -> model.generate(Utterance.of(ids(5, 10, 1)), GenerationConfig.fast()));
    }
}
