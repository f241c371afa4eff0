package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;

/**
 * F16/BF16 weights are widened to fp32 as the CPU backend packs them from the file: the logits
 * equal, bit for bit, those of the same rounded weights stored as F32.
 */
class HalfWeightsTest {
    private static final ModelConfig CONFIG = new ModelConfig(64, 2, 4, 16, 4, 2, 7, 3, 48, 40, 1, LogitHead.PROJECTED);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void halfWeightsGiveTheLogitsOfTheirFp32Widening(DType half) throws IOException {
        Path f32 = TestModels.random(tmp.resolve("f32"), CONFIG, 11);
        Path halfDir = tmp.resolve("half");
        Path widenedDir = tmp.resolve("widened");
        SafeTensorsWriter halves = new SafeTensorsWriter();
        SafeTensorsWriter widened = new SafeTensorsWriter();
        for (Path d : new Path[] {halfDir, widenedDir}) {
            Files.createDirectories(d);
            Files.copy(f32.resolve(Checkpoint.CONFIG_FILE), d.resolve(Checkpoint.CONFIG_FILE));
        }
        try (Checkpoint ckpt = Checkpoint.open(f32)) {
            for (String name : TensorNames.expected(CONFIG).keySet()) {
                halves.add(ckpt.tensor(name), half);  // read when written: write while open
            }
            halves.write(halfDir.resolve(Checkpoint.WEIGHTS_FILE));
        }
        try (Checkpoint ckpt = Checkpoint.open(halfDir)) {
            for (String name : TensorNames.expected(CONFIG).keySet()) {
                widened.add(name, DType.F32, ckpt.tensor(name).shape(), ckpt.floats(name));
            }
        }
        widened.write(widenedDir.resolve(Checkpoint.WEIGHTS_FILE));

        int batch = 2;
        int frames = 9;
        int[] tokens = new int[batch * frames * CONFIG.numQuantizers()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 7) % (CONFIG.codebookSize() + 1);
        }
        int[] semantic = new int[batch * frames];
        Arrays.setAll(semantic, i -> (i * 5) % CONFIG.numSemanticTokens());
        int[] lengths = {frames, frames - 3};
        for (int level = 0; level < CONFIG.numQuantizers(); level++) {
            assertArrayEquals(logits(widenedDir, tokens, semantic, lengths, batch, frames, level),
                    logits(halfDir, tokens, semantic, lengths, batch, frames, level), half + " level " + level);
        }
    }

    private static float[] logits(Path dir, int[] tokens, int[] semantic, int[] lengths, int batch, int frames, int level) {
        try (Checkpoint ckpt = Checkpoint.open(dir); CpuBackend backend = new CpuBackend(1)) {
            float[] out = new Conformer(ckpt, backend).logits(tokens, semantic, lengths, batch, frames, level);
            // padded frames are unspecified
            for (int b = 0; b < batch; b++) {
                Arrays.fill(out, (b * frames + lengths[b]) * CONFIG.codebookSize(), (b + 1) * frames * CONFIG.codebookSize(), 0f);
            }
            return out;
        }
    }
}
