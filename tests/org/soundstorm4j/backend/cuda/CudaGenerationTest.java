package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * Whole-model checks on the GPU: the forward pass against the CPU backend in each precision, CUDA
 * graph replays equal to eager launches (for any seed), and generation agreeing with the CPU.
 * The model has 64-wide heads, so TF32/BF16 attention runs on tensor cores.
 */
class CudaGenerationTest {
    private static final ModelConfig CONFIG = new ModelConfig(128, 2, 2, 64, 2, 2, 7, 3, 96, 40, 1,
            LogitHead.PROJECTED);

    @TempDir
    Path tmp;

    @Test
    void forwardMatchesTheCpuBackendInEveryPrecision() {
        CudaDevice.require();
        Path dir = TestModels.random(tmp.resolve("m"), CONFIG, 11);
        int batch = 2;
        int frames = 150;
        int[] lengths = {150, 97};
        SplittableRandom r = new SplittableRandom(3);
        int[] tokens = r.ints((long) batch * frames * CONFIG.numQuantizers(), 0, CONFIG.codebookSize() + 1).toArray();
        int[] semantic = r.ints((long) batch * frames, 0, CONFIG.numSemanticTokens()).toArray();
        for (int level = 0; level < CONFIG.numQuantizers(); level++) {
            float[] cpu = logits(dir, new CpuBackend(2), tokens, semantic, lengths, level);
            for (MatmulPrecision p : MatmulPrecision.values()) {
                float[] gpu = logits(dir, new CudaBackend(CudaOptions.defaults().withPrecision(p)), tokens, semantic,
                        lengths, level);
                double tol = p == MatmulPrecision.FP32 ? 1e-4 : 2e-2;
                double maxRef = 0;
                double worst = 0;
                for (int b = 0; b < batch; b++) {
                    int c = CONFIG.codebookSize();
                    for (int i = b * frames * c; i < (b * frames + lengths[b]) * c; i++) {
                        maxRef = Math.max(maxRef, Math.abs(cpu[i]));
                        worst = Math.max(worst, Math.abs(cpu[i] - gpu[i]));
                    }
                }
                if (!(worst <= tol * maxRef)) {
                    fail(p + " level " + level + ": max |error| " + worst + " > " + tol + " x max |logit| " + maxRef);
                }
            }
        }
    }

    private static float[] logits(Path dir, Backend backend, int[] tokens, int[] semantic, int[] lengths, int level) {
        try (Checkpoint ckpt = Checkpoint.open(dir); backend) {
            return new Conformer(ckpt, backend).logits(tokens, semantic, lengths, lengths.length, 150, level);
        }
    }

    private static List<Utterance> batch() {
        return List.of(Utterance.of(new SplittableRandom(1).ints(60, 0, 40).toArray()),
                Utterance.of(new SplittableRandom(2).ints(33, 0, 40).toArray()));
    }

    private static int[][][] generate(SoundStorm model, long seed) {
        var out = model.generate(batch(), GenerationConfig.paper().withSeed(seed), p -> { });
        return new int[][][] {out.sequence(0), out.sequence(1)};
    }

    @Test
    void graphReplaysEqualEagerLaunchesForAnySeed() {
        CudaDevice.require();
        Path dir = TestModels.random(tmp.resolve("g"), CONFIG, 12);
        List<int[][][]> eager = new ArrayList<>();
        try (SoundStorm model = SoundStorm.load(dir, new CudaBackend(CudaOptions.defaults().withGraphs(false)))) {
            eager.add(generate(model, 1));
            eager.add(generate(model, 2));
        }
        CudaBackend backend = new CudaBackend(CudaOptions.defaults());
        try (SoundStorm model = SoundStorm.load(dir, backend)) {
            // A pass's key is its buffers, shape and set of levels, not its iteration (the row steps
            // live in device memory), so level 0's second iteration already replays a capture; the
            // later levels run once per run and are captured on the second run.
            assertArrayEquals(eager.get(0), generate(model, 1), "first run");
            assertTrue(backend.graphCaptures() > 0, "level 0's repeated iterations are captured in the first run");
            assertArrayEquals(eager.get(1), generate(model, 2), "second run");
            long captured = backend.graphCaptures();
            long launches = backend.graphLaunches();
            long passes = model.engine().metrics().passes();
            assertArrayEquals(eager.get(0), generate(model, 1), "replay with the first seed");
            assertArrayEquals(eager.get(1), generate(model, 2), "replay with the second seed");
            assertEquals(captured, backend.graphCaptures(), "replays capture nothing new");
            assertEquals(model.engine().metrics().passes() - passes, backend.graphLaunches() - launches,
                    "every forward pass replayed");
        }
    }

    @Test
    void aLongUtteranceReplaysEveryWindowOnceWarm() {
        CudaDevice.require();
        Path dir = TestModels.random(tmp.resolve("w"), CONFIG, 14);
        // 100 frames in windows of 40 (10 of them prompt): three windows of 40 frames, a shorter last one
        List<Utterance> longOne = List.of(Utterance.of(new SplittableRandom(4).ints(100, 0, 40).toArray()));
        GenerationConfig cfg = GenerationConfig.paper().withSeed(3).withWindow(40, 10);
        int[][] eager;
        try (SoundStorm model = SoundStorm.load(dir, new CudaBackend(CudaOptions.defaults().withGraphs(false)))) {
            eager = model.generate(longOne, cfg, p -> { }).sequence(0);
        }
        CudaBackend backend = new CudaBackend(CudaOptions.defaults());
        try (SoundStorm model = SoundStorm.load(dir, backend)) {
            model.generate(longOne, cfg, p -> { });
            model.generate(longOne, cfg, p -> { });
            long captured = backend.graphCaptures();
            long launches = backend.graphLaunches();
            int[] passes = {0};
            int[][] warm = model.generate(longOne, cfg, p -> passes[0]++).sequence(0);
            assertEquals(captured, backend.graphCaptures(), "nothing captured once warm");
            assertEquals(launches + passes[0], backend.graphLaunches(), "every pass of every window replayed");
            assertArrayEquals(eager, warm, "replayed windows give the eager tokens");
        }
    }

    @Test
    void generationAgreesWithTheCpuBackend() {
        CudaDevice.require();
        Path dir = TestModels.random(tmp.resolve("a"), CONFIG, 13);
        int[][][] gpu;
        try (SoundStorm model = SoundStorm.load(dir, new CudaBackend(CudaOptions.defaults()))) {
            generate(model, 5);
            gpu = generate(model, 7);
        }
        int[][][] cpu;
        try (SoundStorm model = SoundStorm.load(dir, "cpu")) {
            cpu = generate(model, 7);
        }
        int same = 0;
        int all = 0;
        for (int s = 0; s < cpu.length; s++) {
            for (int t = 0; t < cpu[s].length; t++) {
                for (int q = 0; q < cpu[s][t].length; q++) {
                    same += cpu[s][t][q] == gpu[s][t][q] ? 1 : 0;
                    all++;
                }
            }
        }
        assertTrue(same >= 0.99 * all, same + " of " + all + " tokens agree with the CPU backend");
    }
}
