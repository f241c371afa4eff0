package org.soundstorm4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.model.TensorNames;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;

/** Model directories made by tests: random weights, or weights crafted so the logits are known. */
public final class TestModels {
    private TestModels() {
    }

    /** A model of {@code config} with small random weights (norm gains near 1). */
    public static Path random(Path dir, ModelConfig config, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, long[]> e : TensorNames.expected(config).entrySet()) {
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            // 1-D ".weight" tensors are LayerNorm gains, ".gamma" the ChanLayerNorm's
            boolean gain = e.getValue().length == 1 && e.getKey().endsWith(".weight") || e.getKey().endsWith(".gamma");
            double scale = 1 / Math.sqrt(Math.max(1, e.getValue()[e.getValue().length == 3 ? 1 : e.getValue().length - 1]));
            for (int i = 0; i < n; i++) {
                v[i] = gain ? (float) (0.5 + r.nextDouble()) : (float) ((r.nextDouble() * 2 - 1) * scale);
            }
            w.add(e.getKey(), DType.F32, e.getValue(), v);
        }
        return write(dir, config, w);
    }

    /**
     * A dense-head model whose logits are {@code table[q][s][c]} (times 1/sqrt(1 + 1e-5)) at every
     * frame whose semantic id is s, whatever the acoustic tokens: every residual branch is zero,
     * code embeddings are zero, semantic embeddings are rows 1..7 of the order-8 Hadamard matrix
     * (mean 0, variance 1, so LayerNorm keeps them), and level q's head maps row s to table[q][s].
     *
     * @param table {@code [levels][semanticVocab <= 7][codebook]}
     */
    public static Path knownLogits(Path dir, float[][][] table) {
        int levels = table.length;
        int vocab = table[0].length;
        int codebook = table[0][0].length;
        int d = 8;
        if (vocab > 7) {
            throw new IllegalArgumentException("at most 7 semantic ids");
        }
        ModelConfig config = new ModelConfig(d, 1, 1, 2, 1, 1, 3, levels, codebook, vocab, 1,
                org.soundstorm4j.model.LogitHead.DENSE);
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, long[]> e : TensorNames.expected(config).entrySet()) {
            int n = (int) java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            String name = e.getKey();
            if (name.endsWith("norm.weight") || name.endsWith(".gamma") || name.endsWith("conv.net.0.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (name.equals(TensorNames.SEMANTIC_EMBEDDING)) {
                for (int s = 0; s < vocab; s++) {
                    for (int j = 0; j < d; j++) {
                        v[s * d + j] = hadamard(s + 1, j);
                    }
                }
            } else if (name.equals(TensorNames.LOGITS_WEIGHT)) {
                // W[q][j][c] = sum_s H[s+1][j] * table[q][s][c] / 8, so e_s W[q] = table[q][s]
                for (int q = 0; q < levels; q++) {
                    for (int j = 0; j < d; j++) {
                        for (int c = 0; c < codebook; c++) {
                            double sum = 0;
                            for (int s = 0; s < vocab; s++) {
                                sum += hadamard(s + 1, j) * table[q][s][c];
                            }
                            v[(q * d + j) * codebook + c] = (float) (sum / d);
                        }
                    }
                }
            }
            w.add(name, DType.F32, e.getValue(), v);
        }
        return write(dir, config, w);
    }

    /** Entry (i, j) of the order-8 Sylvester Hadamard matrix: (-1)^popcount(i & j). */
    private static float hadamard(int i, int j) {
        return Integer.bitCount(i & j) % 2 == 0 ? 1f : -1f;
    }

    private static Path write(Path dir, ModelConfig config, SafeTensorsWriter w) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), config.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
