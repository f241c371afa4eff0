package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.soundstorm4j.backend.Arrays2.assertClose;
import static org.soundstorm4j.backend.Arrays2.poison;
import static org.soundstorm4j.backend.Arrays2.random;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.NaiveOps;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * The CUDA-only kernels against their portable twins on the same GPU, on random data with
 * poisoned outputs: tensor-core attention (bf16, so 2e-2 of the largest value) and warp scoring
 * (the same tokens; confidences to 1e-6, the log-sum-exp being summed in another order).
 */
class CudaFastKernelsTest {
    private static final CudaOptions PORTABLE = CudaOptions.defaults().withFastKernels(false);
    private static final CudaOptions TENSOR_CORES = CudaOptions.defaults().withPrecision(MatmulPrecision.BF16);

    @ParameterizedTest(name = "batch {0}, frames {1}, heads {2} x {3}")
    @CsvSource({"1,1,1,64", "2,37,3,64", "2,64,2,64", "1,130,2,64", "3,257,2,64", "2,100,1,128", "1,63,2,128",
            "2,1000,2,64"})
    void tensorCoreAttentionMatchesThePortableKernel(int batch, int frames, int heads, int dimHead) {
        SplittableRandom r = new SplittableRandom(frames * 31L + dimHead);
        AttentionShape shape = new AttentionShape(batch, frames, heads, dimHead);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = Math.max(1, frames - 23 * b);
        }
        float[] q = random(r, shape.rows() * shape.inner(), 2);
        float[] kv = random(r, shape.rows() * 2 * shape.inner(), 2);
        float[] portable = attention(PORTABLE, q, kv, lengths, shape, false);
        float[] fast = attention(TENSOR_CORES, q, kv, lengths, shape, true);
        double[] twin = new double[portable.length];
        for (int i = 0; i < twin.length; i++) {
            twin[i] = portable[i];
        }
        assertClose("tensor-core attention vs portable", twin, fast, 2e-2);
        assertClose("portable attention vs oracle", NaiveOps.attention(q, kv, lengths, shape), portable, 1e-5);
        for (int b = 0; b < batch; b++) {
            for (int i = (b * frames + lengths[b]) * shape.inner(); i < (b + 1) * frames * shape.inner(); i++) {
                assertEquals(0f, fast[i], "padded query row value at " + i);
            }
        }
    }

    private static float[] attention(CudaOptions options, float[] q, float[] kv, int[] lengths, AttentionShape shape,
                                     boolean tensorCores) {
        try (CudaBackend backend = CudaDevice.backend(options)) {
            assertEquals(tensorCores, backend.usesTensorCoreAttention(shape.dimHead()), "kernel choice");
            IntTensor len = backend.allocateInts(lengths.length);
            backend.write(len, lengths);
            Tensor out = backend.upload(poison(shape.rows() * shape.inner()));
            backend.attention(backend.upload(q), backend.upload(kv), len, shape, out);
            float[] host = new float[shape.rows() * shape.inner()];
            backend.read(out, host);
            return host;
        }
    }

    private record Scored(int[] drawn, float[] confidence) {
    }

    /** "stay": the two rows' stay-masked counts; a row with 0 (nothing left masked) takes the argmax. */
    @ParameterizedTest(name = "codebook {0}, frames {1}, stay {2}, choice noise {3}, coarse {4}")
    @CsvSource({"1024,300,3 5,4.5,false", "1024,300,0 0,0.0,false", "97,45,0 4,2.0,true", "33,7,2 0,1.0,true",
            "1,5,1 1,3.0,false", "4096,64,0 7,0.0,false"})
    void warpScoringMatchesThePortableKernel(int codebook, int frames, String stayCounts, float noise, boolean coarse) {
        int[] stay = Arrays.stream(stayCounts.split(" ")).mapToInt(Integer::parseInt).toArray();
        SplittableRandom r = new SplittableRandom(codebook * 7L + frames);
        int batch = 2;
        float[] logits = new float[batch * frames * codebook];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = coarse ? Math.round(r.nextGaussian() * 8) / 4f : (float) (r.nextGaussian() * 3);
        }
        int levels = 2;
        int[] tokens = new int[batch * frames * levels];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i % levels == 0 && r.nextInt(3) == 0 ? r.nextInt(codebook) : codebook;
        }
        int[] lengths = {frames, Math.max(1, frames - 3)};
        int[] prompts = {Math.min(2, frames - 1), 0};
        // row 0 without top-k truncation (the warp path), row 1 with it where the codebook is large enough to
        // sample (the portable position on one lane), at another level and iteration
        List<RowStep> steps = List.of(new RowStep(0, 3, 1f / 0.8f, 0, noise, 0x5eed_0000_1234L, stay[0]),
                new RowStep(1, 1, 1f / 0.6f, codebook > 8 ? 7 : 0, noise / 2, -77L, stay[1]));
        Scored portable = score(PORTABLE, steps, logits, tokens, lengths, prompts, codebook, levels, false);
        Scored warp = score(CudaOptions.defaults(), steps, logits, tokens, lengths, prompts, codebook, levels, true);
        int candidates = 0;
        for (int i = 0; i < portable.drawn().length; i++) {
            float p = portable.confidence()[i];
            float w = warp.confidence()[i];
            if (p == Float.POSITIVE_INFINITY) {
                assertEquals(p, w, "non-candidate confidence at " + i);
                continue;
            }
            candidates++;
            assertEquals(portable.drawn()[i], warp.drawn()[i], "drawn token at " + i);
            if (stay[i / frames] == 0) {
                int argmax = 0;
                for (int c = 1; c < codebook; c++) {
                    argmax = logits[i * codebook + c] > logits[i * codebook + argmax] ? c : argmax;
                }
                assertEquals(argmax, warp.drawn()[i], "row " + i / frames + " leaves nothing masked: argmax at " + i);
            }
            if (!(Math.abs(p - w) <= 1e-6 * Math.max(1, Math.abs(p)))) {
                fail("confidence at " + i + ": warp " + w + ", portable " + p);
            }
        }
        assertTrue(candidates > 0, "some positions were candidates");
    }

    private static Scored score(CudaOptions options, List<RowStep> steps, float[] logits, int[] tokens, int[] lengths,
                                int[] prompts, int codebook, int levels, boolean warp) {
        int batch = lengths.length;
        int frames = tokens.length / levels / batch;
        try (CudaBackend backend = CudaDevice.backend(options)) {
            assertEquals(warp, backend.usesWarpScoring(), "kernel choice");
            DecodeLayout layout = new DecodeLayout(batch, frames, levels, codebook, ints(backend, lengths),
                    ints(backend, prompts), ints(backend, new int[] {0, 500}), ints(backend, new int[] {0, 1}));
            RowSteps rowSteps = RowSteps.allocate(backend, batch + 1);
            rowSteps.write(backend, RowStep.pack(steps, codebook, backend.maxTopK()));
            int[] poisonInts = new int[batch * frames];
            Arrays.fill(poisonInts, -7);
            IntTensor drawn = ints(backend, poisonInts);
            Tensor confidence = backend.upload(poison(batch * frames));
            backend.scoreTokens(backend.upload(logits), ints(backend, tokens), layout, rowSteps, drawn, confidence);
            int[] d = new int[batch * frames];
            float[] c = new float[batch * frames];
            backend.readInts(drawn, d);
            backend.read(confidence, c);
            return new Scored(d, c);
        }
    }

    private static IntTensor ints(CudaBackend backend, int[] values) {
        IntTensor t = backend.allocateInts(values.length);
        backend.write(t, values);
        return t;
    }
}
