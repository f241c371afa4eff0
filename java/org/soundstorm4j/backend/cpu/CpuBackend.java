package org.soundstorm4j.backend.cpu;

import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.CodecChecks;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixSource;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.backend.TensorSizes;

/**
 * The pure-Java backend: the reference every other backend is checked against, and the default
 * where no GPU exists. Matrix products run a register-tiled micro-kernel on packed weights
 * ({@link CpuKernels}), split over one worker thread per core.
 */
public final class CpuBackend implements Backend {
    /** Rows of A per matrix-product task: a multiple of the 6-row micro-tile. */
    private static final int ROW_BLOCK = 48;
    /** Packed panels per matrix-product task. */
    private static final int PANELS_PER_TASK = 4;
    private static final float LAYER_NORM_EPS = 1e-5f;
    private static final float CHAN_NORM_MIN_VAR = 1e-6f;

    private final CpuKernels kernels;
    private final WorkerPool workers;
    /** Whether {@link #workers} is the JVM's shared pool (released on close) or this backend's own (closed). */
    private final boolean sharedWorkers;
    private final CpuAttention attention;
    private final CpuCodecOps codec;
    private volatile boolean closed;

    /**
     * A backend on the JVM's shared worker pool (one thread per core, the calling thread among
     * them) with the fastest kernels this JVM can run. Backends made so may be used from several
     * threads at once: their ops take turns on the pool instead of competing for the cores.
     */
    public CpuBackend() {
        // kernels first: if choosing them fails, no pool has been taken
        this(CpuKernels.best(), SharedWorkerPool.acquire(), true);
    }

    /**
     * A backend with a pool of its own of {@code threads} threads (the calling thread among them),
     * for tests and measurements that need a fixed split of the work. Two such backends busy at
     * the same time compete for the cores (two pools on 2 cores ran 7-9x slower together than
     * one): to run several models in one JVM, use {@link #CpuBackend()}.
     */
    public CpuBackend(int threads) {
        this(threads, CpuKernels.best());
    }

    CpuBackend(int threads, CpuKernels kernels) {
        this(kernels, new WorkerPool(threads), false);
    }

    private CpuBackend(CpuKernels kernels, WorkerPool workers, boolean sharedWorkers) {
        this.kernels = kernels;
        this.workers = workers;
        this.sharedWorkers = sharedWorkers;
        this.attention = new CpuAttention(kernels, workers);
        this.codec = new CpuCodecOps(workers, kernels);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu: " + workers.threads() + " threads, " + kernels.description();
    }

    @Override
    public Tensor allocate(long size) {
        return new CpuTensor(new float[TensorSizes.checked(size)]);
    }

    @Override
    public Tensor upload(float[] values) {
        checkOpen();
        return new CpuTensor(values.clone());
    }

    @Override
    public IntTensor allocateInts(long size) {
        return new CpuIntTensor(new int[TensorSizes.checked(size)]);
    }

    @Override
    public void write(IntTensor dst, int[] values) {
        int[] d = ints(dst);
        if (values.length > d.length) {
            throw new IllegalArgumentException("writing " + values.length + " ints into a tensor of " + d.length);
        }
        System.arraycopy(values, 0, d, 0, values.length);
    }

    @Override
    public void write(Tensor dst, float[] values) {
        float[] d = floats(dst);
        if (values.length > d.length) {
            throw new IllegalArgumentException("writing " + values.length + " floats into a tensor of " + d.length);
        }
        System.arraycopy(values, 0, d, 0, values.length);
    }

    @Override
    public void read(Tensor src, float[] dst) {
        float[] s = floats(src);
        if (dst.length > s.length) {
            throw new IllegalArgumentException("reading a tensor of " + s.length + " floats into " + dst.length);
        }
        System.arraycopy(s, 0, dst, 0, dst.length);
    }

    @Override
    public void readInts(IntTensor src, int[] dst) {
        int[] s = ints(src);
        if (dst.length > s.length) {
            throw new IllegalArgumentException("reading a tensor of " + s.length + " ints into " + dst.length);
        }
        System.arraycopy(s, 0, dst, 0, dst.length);
    }

    @Override
    public void release(DeviceBuffer buffer) {
        // Java arrays: the garbage collector frees them once unreferenced
    }

    @Override
    public void scoreTokens(Tensor logits, IntTensor tokens, DecodeLayout layout, RowSteps steps, IntTensor drawn,
                            Tensor confidence) {
        steps.require("scoreTokens", layout.batch());
        long rows = (long) layout.batch() * layout.frames();
        requireSize("scoreTokens logits", floats(logits), rows * layout.codebookSize());
        CpuDecoding.scoreTokens(floats(logits), ints(tokens), layout, ints(steps.ints()), floats(steps.floats()),
                ints(drawn), floats(confidence), ints(layout.lengths()), ints(layout.promptFrames()),
                ints(layout.outputOffsets()), ints(layout.sequenceIds()), workers);
    }

    @Override
    public void commitTokens(IntTensor drawn, Tensor confidence, RowSteps steps, IntTensor tokens,
                             DecodeLayout layout) {
        steps.require("commitTokens", layout.batch());
        CpuDecoding.commitTokens(ints(drawn), floats(confidence), ints(steps.ints()), ints(tokens), layout, workers);
    }

    @Override
    public void selectRows(Tensor src, RowSteps steps, int level, Tensor dst, int batch, long rowSize) {
        steps.require("selectRows", batch);
        float[] s = floats(src);
        float[] d = floats(dst);
        if (s == d) {
            throw new IllegalArgumentException("selectRows: dst must not be src");
        }
        long size = TensorSizes.checked(batch * rowSize);
        requireSize("selectRows input", s, size);
        requireSize("selectRows output", d, size);
        CpuDecoding.selectRows(s, ints(steps.ints()), level, d, batch, (int) rowSize);
    }

    @Override
    public MatrixWeight uploadMatrix(float[] values, int rows, int cols) {
        checkOpen();
        if (rows < 1 || cols < 1 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("matrix of " + rows + " x " + cols + " given " + values.length + " values");
        }
        return PackedMatrix.pack(values, 0, cols, rows, cols, kernels.panelWidth());
    }

    /** Packs straight from {@code source} (a mapped file): the packed panels are the only full-size copy. */
    @Override
    public MatrixWeight uploadMatrix(MatrixSource source) {
        checkOpen();
        if (source.rows() < 1 || source.cols() < 1) {
            throw new IllegalArgumentException("matrix of " + source.rows() + " x " + source.cols());
        }
        return PackedMatrix.pack(source, kernels.panelWidth());
    }

    @Override
    public void embedSum(IntTensor tokens, IntTensor semantic, IntTensor lengths, Tensor codeEmbeds,
                         Tensor semanticEmbeds, Tensor out, int batch, int frames, int levels,
                         int codebookSize, int dim) {
        int[] tok = ints(tokens);
        int[] sem = ints(semantic);
        int[] len = ints(lengths);
        float[] code = floats(codeEmbeds);
        float[] semEmb = floats(semanticEmbeds);
        float[] o = floats(out);
        workers.forEach(batch * frames, row -> {
            int b = row / frames;
            int t = row % frames;
            int dst = row * dim;
            if (t >= len[b]) {
                java.util.Arrays.fill(o, dst, dst + dim, 0f);
                return;
            }
            System.arraycopy(semEmb, sem[row] * dim, o, dst, dim);
            for (int q = 0; q < levels; q++) {
                int src = (q * (codebookSize + 1) + tok[row * levels + q]) * dim;
                for (int j = 0; j < dim; j++) {
                    o[dst + j] += code[src + j];
                }
            }
        });
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, int rows, int dim) {
        float[] in = floats(x);
        float[] g = floats(gamma);
        float[] bt = floats(beta);
        float[] o = floats(out);
        forEachRowChunk(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                kernels.normalizeRow(in, o, r * dim, dim, g, bt, LAYER_NORM_EPS, false);
            }
        });
    }

    @Override
    public void chanNorm(Tensor x, Tensor gamma, Tensor out, int rows, int channels) {
        float[] in = floats(x);
        float[] g = floats(gamma);
        float[] o = floats(out);
        forEachRowChunk(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                kernels.normalizeRow(in, o, r * channels, channels, g, null, CHAN_NORM_MIN_VAR, true);
            }
        });
    }

    @Override
    public void linear(Tensor x, MatrixWeight w, Tensor bias, Activation act, Tensor out, int rows) {
        gemm(x, w, bias, out, rows, act == Activation.SWISH ? Epilogue.SWISH : Epilogue.STORE, 1f);
    }

    @Override
    public void linearAccumulate(Tensor x, MatrixWeight w, Tensor bias, float scale, Tensor out, int rows) {
        gemm(x, w, bias, out, rows, Epilogue.ACCUMULATE, scale);
    }

    private void gemm(Tensor x, MatrixWeight w, Tensor bias, Tensor out, int rows, Epilogue epilogue, float scale) {
        PackedMatrix b = packed(w);
        float[] a = floats(x);
        float[] c = floats(out);
        float[] bi = bias == null ? null : floats(bias);
        if (a == c) {
            throw new IllegalArgumentException("linear: out must not be the input");
        }
        requireSize("linear input", a, (long) rows * b.cols);
        requireSize("linear output", c, (long) rows * b.rows);
        if (bi != null) {
            requireSize("linear bias", bi, b.rows);
        }
        gemm(List.of(new Rows(a, 0, b.cols, rows, 0)), b, c, bi, epilogue, scale);
    }

    /**
     * {@code m} rows of a matrix product whose A rows are {@code a[aOff + i*lda, + b.cols)} (rows may
     * overlap: a conv's windows read in place) and whose C rows start at {@code cOff + i*b.rows}.
     */
    record Rows(float[] a, int aOff, int lda, int m, int cOff) {
    }

    /** The products of every run of rows, split into tasks of ROW_BLOCK rows and PANELS_PER_TASK panels. */
    private void gemm(List<Rows> all, PackedMatrix b, float[] c, float[] bias, Epilogue epilogue, float scale) {
        List<Rows> runs = all.stream().filter(run -> run.m() > 0).toList();
        int panels = b.panels();
        int panelChunks = (panels + PANELS_PER_TASK - 1) / PANELS_PER_TASK;
        int[] firstBlock = new int[runs.size() + 1];
        for (int r = 0; r < runs.size(); r++) {
            firstBlock[r + 1] = firstBlock[r] + (runs.get(r).m() + ROW_BLOCK - 1) / ROW_BLOCK;
        }
        workers.forEach(firstBlock[runs.size()] * panelChunks, task -> {
            int block = task / panelChunks;
            int r = Arrays.binarySearch(firstBlock, block);
            r = r >= 0 ? r : -r - 2; // the run whose blocks hold this one (runs are not empty)
            Rows run = runs.get(r);
            int i0 = (block - firstBlock[r]) * ROW_BLOCK;
            int p0 = (task % panelChunks) * PANELS_PER_TASK;
            kernels.gemm(run.a(), run.aOff() + i0 * run.lda(), run.lda(), Math.min(ROW_BLOCK, run.m() - i0), b, p0,
                    Math.min(panels, p0 + PANELS_PER_TASK), c, run.cOff() + i0 * b.rows, b.rows, bias, epilogue,
                    scale);
        });
    }

    @Override
    public void conv1d(Tensor x, ConvWindow window, MatrixWeight weight, Tensor bias, Tensor out, int batch,
                       int frames, int cin) {
        float[] in = floats(x);
        PackedMatrix w = packed(weight);
        float[] o = floats(out);
        float[] bi = bias == null ? null : floats(bias);
        if (in == o) {
            throw new IllegalArgumentException("conv1d: out must not be the input");
        }
        int outFrames = CodecChecks.conv1d(in.length, window, w, bi == null ? -1 : bi.length, o.length, batch,
                frames, cin);
        gemm(codec.convRows(in, window, batch, frames, cin, outFrames, w.rows), w, o, bi, Epilogue.STORE, 1f);
    }

    @Override
    public void attention(Tensor q, Tensor kv, IntTensor lengths, AttentionShape shape, Tensor out) {
        float[] qa = floats(q);
        float[] kva = floats(kv);
        float[] o = floats(out);
        requireSize("attention q", qa, (long) shape.rows() * shape.inner());
        requireSize("attention kv", kva, 2L * shape.rows() * shape.inner());
        requireSize("attention out", o, (long) shape.rows() * shape.inner());
        attention.run(qa, kva, ints(lengths), shape, o);
    }

    @Override
    public void glu(Tensor x, Tensor out, int rows, int channels) {
        float[] in = floats(x);
        float[] o = floats(out);
        forEachRowChunk(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                kernels.gluRow(in, r * 2 * channels, o, r * channels, channels);
            }
        });
    }

    @Override
    public void depthwiseConvSwish(Tensor x, Tensor weight, Tensor bias, IntTensor lengths, Tensor out,
                                   int batch, int frames, int channels, int kernel) {
        float[] in = floats(x);
        float[] w = floats(weight);
        float[] bi = floats(bias);
        float[] o = floats(out);
        int[] len = ints(lengths);
        if (in == o) {
            throw new IllegalArgumentException("depthwiseConvSwish: out must not be the input");
        }
        // [channels, kernel] -> [kernel, channels], so the inner loop runs over contiguous channels
        float[] wt = new float[kernel * channels];
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < kernel; j++) {
                wt[j * channels + c] = w[c * kernel + j];
            }
        }
        int padLeft = kernel / 2;
        forEachRowChunk(batch * frames, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int b = row / frames;
                int t = row % frames;
                int dst = row * channels;
                if (t >= len[b]) {
                    java.util.Arrays.fill(o, dst, dst + channels, 0f);
                    continue;
                }
                System.arraycopy(bi, 0, o, dst, channels);
                int jFrom = Math.max(0, padLeft - t);
                int jTo = Math.min(kernel, len[b] - t + padLeft);
                for (int j = jFrom; j < jTo; j++) {
                    kernels.multiplyAdd(o, dst, wt, j * channels, in, (b * frames + t + j - padLeft) * channels,
                            channels);
                }
                kernels.swish(o, dst, channels);
            }
        });
    }

    // ---- codec ops (CpuCodecOps) ----

    @Override
    public void im2col(Tensor x, IntTensor lengths, ConvWindow window, Tensor out, int batch, int frames, int channels) {
        float[] in = floats(x);
        float[] o = floats(out);
        int[] len = lengths == null ? null : ints(lengths);
        if (in == o) {
            throw new IllegalArgumentException("im2col: out must not be the input");
        }
        int outFrames = CodecChecks.im2col(in.length, len == null ? -1 : len.length, window, o.length, batch, frames,
                channels);
        codec.im2col(in, len, window, o, batch, frames, channels, outFrames);
    }

    @Override
    public void elu(Tensor x, Tensor out, int size) {
        float[] in = floats(x);
        float[] o = floats(out);
        CodecChecks.elu(in.length, o.length, size);
        codec.elu(in, o, size);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out, int size) {
        float[] x = floats(a);
        float[] y = floats(b);
        float[] o = floats(out);
        CodecChecks.add(x.length, y.length, o.length, size);
        codec.add(x, y, o, size);
    }

    @Override
    public void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                           int kernel, int stride, int trimLeft) {
        float[] in = floats(y);
        float[] bi = bias == null ? null : floats(bias);
        float[] o = floats(out);
        if (in == o) {
            throw new IllegalArgumentException("overlapAdd: out must not be the input");
        }
        CodecChecks.overlapAdd(in.length, bi == null ? -1 : bi.length, o.length, batch, framesIn, framesOut, channels,
                kernel, stride, trimLeft);
        codec.overlapAdd(in, bi, o, batch, framesIn, framesOut, channels, kernel, stride, trimLeft);
    }

    @Override
    public void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames,
                            int codebookSize, int dim) {
        int[] ids = ints(codes);
        float[] tab = floats(table);
        float[] o = floats(out);
        CodecChecks.codebookSum(ids.length, tab.length, o.length, levels, batch, frames, codebookSize, dim);
        codec.codebookSum(ids, tab, o, levels, batch, frames, codebookSize, dim);
    }

    @Override
    public void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                               int hidden) {
        float[] g = floats(gates);
        PackedMatrix w = packed(whh);
        float[] hs = floats(h);
        float[] cs = floats(c);
        float[] o = floats(out);
        if (o == g || o == hs || o == cs || hs == cs) {
            throw new IllegalArgumentException("lstmRecurrence: out, h and c must be distinct tensors");
        }
        CodecChecks.lstmRecurrence(g.length, w, hs.length, cs.length, o.length, batch, frames, hidden);
        codec.lstmRecurrence(g, w, hs, cs, o, batch, frames, hidden);
    }

    /** Splits {@code rows} into about four chunks per worker and runs them in parallel. */
    private void forEachRowChunk(int rows, RowRange body) {
        int chunks = Math.min(rows, 4 * workers.threads());
        int per = (rows + chunks - 1) / chunks;
        workers.forEach((rows + per - 1) / per, i -> body.run(i * per, Math.min(rows, (i + 1) * per)));
    }

    @FunctionalInterface
    private interface RowRange {
        void run(int from, int to);
    }

    @Override
    public void finish() {
        // every op has returned by the time it is called: nothing is queued
    }

    /** Gives back the worker pool (other backends sharing it keep working). Closing twice is harmless. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (sharedWorkers) {
            SharedWorkerPool.release(workers);
        } else {
            workers.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the CPU backend is closed");
        }
    }

    private static void requireSize(String what, float[] array, long atLeast) {
        TensorSizes.require(what, array.length, atLeast);
    }

    private float[] floats(Tensor t) {
        checkOpen();
        if (!(t instanceof CpuTensor c)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the CPU backend");
        }
        return c.data();
    }

    private int[] ints(IntTensor t) {
        checkOpen();
        if (!(t instanceof CpuIntTensor c)) {
            throw new IllegalArgumentException("int tensor " + t + " does not belong to the CPU backend");
        }
        return c.data();
    }

    private PackedMatrix packed(MatrixWeight w) {
        checkOpen();
        if (!(w instanceof PackedMatrix p) || p.width != kernels.panelWidth()) {
            throw new IllegalArgumentException("matrix " + w + " was not uploaded to this CPU backend");
        }
        return p;
    }
}
