package org.soundstorm4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * Every op of the forward pass and the decoder, on each backend, at the benchmark model's shapes
 * (d 512, 8 heads x 64, ff 4, E 2, K 31, Q 7, C 1024; batch 1, {@code frames} frames). Each
 * invocation ends with {@link Backend#finish()} so asynchronous backends are timed to completion.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class OpsBenchmark {
    private static final int D = 512;
    private static final int HEADS = 8;
    private static final int DIM_HEAD = 64;
    private static final int FF = 4 * D;
    private static final int CONV = 2 * D;
    private static final int KERNEL = 31;
    private static final int LEVELS = 7;
    private static final int CODEBOOK = 1024;

    @Param({"cpu", "opencl"})
    public String backendName;

    @Param({"750"})
    public int frames;

    private Backend backend;
    private Tensor x;
    private Tensor normed;
    private Tensor hidden;
    private Tensor q;
    private Tensor kv;
    private Tensor attended;
    private Tensor convWide;
    private Tensor convGated;
    private Tensor convMixed;
    private Tensor gamma;
    private Tensor beta;
    private Tensor convWeight;
    private Tensor convBias;
    private Tensor logits;
    private Tensor confidence;
    private MatrixWeight ffIn;
    private MatrixWeight ffOut;
    private IntTensor tokens;
    private IntTensor drawn;
    private IntTensor lengths;
    private RowSteps steps;
    private DecodeLayout layout;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.create(backendName);
        SplittableRandom r = new SplittableRandom(1);
        x = backend.upload(random(r, frames * D));
        normed = backend.upload(random(r, frames * D));
        hidden = backend.allocate((long) frames * FF);
        q = backend.upload(random(r, frames * HEADS * DIM_HEAD));
        kv = backend.upload(random(r, frames * 2 * HEADS * DIM_HEAD));
        attended = backend.allocate((long) frames * HEADS * DIM_HEAD);
        convWide = backend.upload(random(r, frames * 2 * CONV));
        convGated = backend.upload(random(r, frames * CONV));
        convMixed = backend.allocate((long) frames * CONV);
        gamma = backend.upload(random(r, CONV));
        beta = backend.upload(random(r, CONV));
        convWeight = backend.upload(random(r, CONV * KERNEL));
        convBias = backend.upload(random(r, CONV));
        logits = backend.upload(random(r, frames * CODEBOOK));
        confidence = backend.allocate(frames);
        ffIn = backend.uploadMatrix(random(r, FF * D), FF, D);
        ffOut = backend.uploadMatrix(random(r, D * FF), D, FF);
        int[] masked = new int[frames * LEVELS];
        java.util.Arrays.fill(masked, CODEBOOK);
        tokens = ints(masked);
        drawn = backend.allocateInts(frames);
        lengths = ints(new int[] {frames});
        steps = RowSteps.allocate(backend, 1);
        steps.write(backend, RowStep.pack(java.util.List.of(new RowStep(0, 0, 1f, 0, 4.5f, 7L, frames / 2)), CODEBOOK,
                backend.maxTopK()));
        layout = new DecodeLayout(1, frames, LEVELS, CODEBOOK, lengths, ints(new int[] {0}), ints(new int[] {0}),
                ints(new int[] {0}));
    }

    private IntTensor ints(int[] values) {
        IntTensor t = backend.allocateInts(values.length);
        backend.write(t, values);
        return t;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public void linearFeedForwardIn() {
        backend.linear(normed, ffIn, null, Activation.SWISH, hidden, frames);
        backend.finish();
    }

    @Benchmark
    public void linearFeedForwardOut() {
        backend.linearAccumulate(hidden, ffOut, null, 0.5f, x, frames);
        backend.finish();
    }

    @Benchmark
    public void attention() {
        backend.attention(q, kv, lengths, new AttentionShape(1, frames, HEADS, DIM_HEAD), attended);
        backend.finish();
    }

    @Benchmark
    public void layerNorm() {
        backend.layerNorm(x, gamma, beta, normed, frames, D);
        backend.finish();
    }

    @Benchmark
    public void glu() {
        backend.glu(convWide, convGated, frames, CONV);
        backend.finish();
    }

    @Benchmark
    public void depthwiseConvSwish() {
        backend.depthwiseConvSwish(convGated, convWeight, convBias, lengths, convMixed, 1, frames, CONV, KERNEL);
        backend.finish();
    }

    @Benchmark
    public void chanNorm() {
        backend.chanNorm(convMixed, gamma, convMixed, frames, CONV);
        backend.finish();
    }

    @Benchmark
    public void scoreTokensSampled() {
        backend.scoreTokens(logits, tokens, layout, steps, drawn, confidence);
        backend.finish();
    }

    @Benchmark
    public void commitTokens() {
        backend.commitTokens(drawn, confidence, steps, tokens, layout);
        backend.finish();
    }
}
