package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.WeightsException;

/**
 * The golden public_small model saved by torch.save (tests/resources/torch/public_small.pt)
 * loads through {@link Checkpoint} with its config inferred from the shapes, and computes exactly
 * the logits of the safetensors copy: the floats are the same, so the results are bit-identical
 * (on the scalar kernels, which are deterministic; the Vector API path is not bit-reproducible
 * across JIT warm-up even for one checkpoint run twice).
 */
class TorchCheckpointLogitsTest {
    private static final Path GOLDEN = GoldenLogitsTest.dir("public_small");

    static Path pt() {
        try {
            return Path.of(TorchCheckpointLogitsTest.class.getResource("/torch/public_small.pt").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] logits(Checkpoint ckpt, int level) {
        IntArray semantic = Npy.readInts(GOLDEN.resolve("semantic.npy"));
        IntArray acoustic = Npy.readInts(GOLDEN.resolve("acoustic.npy"));
        int[] lengths = Npy.readInts(GOLDEN.resolve("lengths.npy")).data();
        // Scalar kernels: the Vector API path may round differently before and after the JIT
        // compiles it, so two identical runs need not agree to the last bit; scalar Java does.
        String key = "soundstorm4j.cpu.kernels";
        String before = System.getProperty(key);
        System.setProperty(key, "scalar");
        Backend created;
        try {
            created = new CpuBackend();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
        try (Backend backend = created) {
            return new Conformer(ckpt, backend).logits(acoustic.data(), semantic.data(), lengths, semantic.dim(0),
                    semantic.dim(1), level);
        }
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void logitsEqualThoseOfTheSafetensorsModel(int level) {
        // The golden model has 4 heads of 16; the shapes alone cannot say so.
        try (Checkpoint fromPt = Checkpoint.openTorch(pt(), InferenceOptions.publicRelease().withHeads(4));
             Checkpoint fromDir = Checkpoint.open(GOLDEN)) {
            assertEquals(fromDir.config(), fromPt.config());
            assertArrayEquals(logits(fromDir, level), logits(fromPt, level));
        }
    }

    @Test
    void plainOpenInfersThePublicReleaseDefaults() {
        try (Checkpoint ckpt = Checkpoint.open(pt())) {
            ModelConfig golden = ModelConfig.read(GOLDEN.resolve("config.json"));
            ModelConfig c = ckpt.config();
            assertEquals(8, c.heads());
            assertEquals(golden.innerDim() / 8, c.dimHead());
            assertEquals(new ModelConfig(golden.dim(), golden.depth(), 8, golden.innerDim() / 8, golden.ffMult(),
                    golden.convExpansionFactor(), golden.convKernelSize(), golden.numQuantizers(), golden.codebookSize(),
                    golden.numSemanticTokens(), 1, golden.logitHead(), CodecPairing.SEMANTIC_IS_LEVEL_0), c);
            assertTrue(ckpt.notes().get(0).contains("_metadata"), ckpt.notes().toString());
        }
    }

    @Test
    void overridesReachTheConfig() {
        try (Checkpoint ckpt = Checkpoint.openTorch(pt(), new InferenceOptions(2, 3))) {
            assertEquals(2, ckpt.config().heads());
            assertEquals(32, ckpt.config().dimHead());
            assertEquals(3, ckpt.config().semanticRateRatio());
        }
    }

    @Test
    void headsThatDoNotDivideTheAttentionWidthAreRefused() {
        String m = assertThrows(WeightsException.class,
                () -> Checkpoint.openTorch(pt(), InferenceOptions.publicRelease().withHeads(5)).close()).getMessage();
        assertTrue(m.contains("attention width 64") && m.contains("does not split into 5 heads"), m);
    }

    @Test
    void theDenseHeadOfThePaperIsInferredToo() {
        // Inference reads shapes only, so the paper_small safetensors serve as input.
        Path dir = GoldenLogitsTest.dir("paper_small");
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            ModelConfig golden = ModelConfig.read(dir.resolve("config.json"));
            assertEquals(golden, ConfigInference.infer(st, new InferenceOptions(golden.heads(), golden.semanticRateRatio())));
        }
    }

    @Test
    void aStateDictOfAnotherNetworkIsRefused() throws URISyntaxException {
        Path shared = Path.of(TorchCheckpointLogitsTest.class.getResource("/torch/shared.pt").toURI());
        String m = assertThrows(WeightsException.class, () -> Checkpoint.open(shared).close()).getMessage();
        assertTrue(m.contains("no tensor semantic_token_emb.weight, needed to infer the config"), m);
    }
}
