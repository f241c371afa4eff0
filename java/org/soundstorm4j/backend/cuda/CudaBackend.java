package org.soundstorm4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.RotaryTable;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.backend.TensorSizes;
import org.soundstorm4j.backend.cuda.CudaBuffer.Kind;

/**
 * The CUDA backend: JCuda's driver API ({@link CudaContext}: the device's primary context, one
 * non-blocking stream, the jar's fatbin as a module; {@link CudaMemory}: allocations and async
 * copies through pinned memory), cuBLAS through java.lang.foreign ({@link CublasLibrary}) for the
 * matrix products, the portable kernels of {@code kernels/} for the other ops and, where they pay,
 * CUDA-only variants (tensor-core attention, warp scoring). {@link #replayable} records CUDA
 * graphs ({@link GraphRecorder}).
 *
 * <p>Every call makes the primary context current on the calling thread first, so the backend
 * may be used from any one thread at a time.
 */
public final class CudaBackend implements Backend {
    /** Compile-time sizes of the fatbin: cmake/CMakeLists.txt's -D values. */
    static final int NORM_GROUP = 64;
    static final int TOPK_MAX = 64;
    static final int ATT_QUERIES = 32;
    /** Head sizes the portable attention is instantiated for (kernels/soundstorm4j.cu). */
    static final List<Integer> PORTABLE_HEAD_DIMS = List.of(2, 6, 8, 16, 32, 64, 80, 96, 128);
    /** Head sizes the tensor-core attention is instantiated for (kernels/attention_mma.cu). */
    static final List<Integer> MMA_HEAD_DIMS = List.of(64, 128);
    private static final int MMA_QUERIES = 64;
    private static final int WARP_BLOCK = 128;
    private static final int ELEMENTWISE_BLOCK = 64;
    private static final int EPILOGUE_BLOCK = 256;
    /** cuBLAS's workspace, given before any capture so products never allocate (32 MiB suits Hopper). */
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

    private final CudaOptions options;
    private final CudaContext context;
    private final GraphRecorder graphs;
    private final CudaMemory memory;
    private final CublasLibrary cublas;
    private final long cublasHandle;
    private final CudaBuffer cublasWorkspace;
    private final CudaCodecOps codec = new CudaCodecOps(this, ELEMENTWISE_BLOCK);
    private CudaBuffer bf16Scratch;
    private CudaBuffer rotaryCos;
    private CudaBuffer rotarySin;
    private RotaryTable rotary;
    private boolean closed;

    /** A backend with the options {@code -Dsoundstorm4j.cuda.*} give (see {@link CudaOptions}). */
    public CudaBackend() {
        this(CudaOptions.fromSystemProperties());
    }

    /**
     * @throws IllegalStateException when CUDA, the device, the kernels or cuBLAS are missing,
     *                               saying which; nothing stays allocated then
     */
    public CudaBackend(CudaOptions options) {
        String reason = Cuda.unavailableReason();
        if (reason != null) {
            throw new IllegalStateException("the CUDA backend cannot run here: " + reason);
        }
        this.options = options;
        context = new CudaContext(options.device());
        graphs = new GraphRecorder(context.stream());
        CudaMemory mem = null;
        CublasLibrary library = null;
        long handle = 0;
        CudaBuffer workspace = null;
        try {
            mem = new CudaMemory(context, graphs);
            library = CublasLibrary.load();
            handle = library.createHandle();
            library.setStream(handle, context.stream().address());
            workspace = mem.allocate(CUBLAS_WORKSPACE_BYTES / 4, Kind.INT);
            library.setWorkspace(handle, workspace.address(), CUBLAS_WORKSPACE_BYTES);
        } catch (Throwable e) { // an Error too: the context and device memory must not outlive a failed start
            List<String> ignored = new ArrayList<>();
            if (handle != 0) {
                library.destroyHandle(handle);
            }
            if (mem != null) {
                mem.close(ignored);
            }
            context.close(ignored);
            throw e;
        }
        memory = mem;
        cublas = library;
        cublasHandle = handle;
        cublasWorkspace = workspace;
    }

    /** Why this backend cannot run on this machine, or null if it can. */
    public static String unavailableReason() {
        return Cuda.unavailableReason();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "cuda: " + context.deviceName() + " (sm_" + context.computeCapability() + "), " + options.precision()
                + " products via " + cublas.name() + (options.fastKernels() ? ", fast kernels" : ", portable kernels only")
                + (options.graphs() ? ", CUDA graphs" : ", no graphs");
    }

    /** The options this backend runs with. */
    public CudaOptions options() {
        return options;
    }

    /** Host-to-device copies so far (uploads and int writes). */
    public long uploads() {
        return memory.uploads();
    }

    /** Device-to-host copies so far. */
    public long downloads() {
        return memory.downloads();
    }

    /** CUDA graphs captured so far. */
    public long graphCaptures() {
        return graphs.captures();
    }

    /** CUDA graph launches so far. */
    public long graphLaunches() {
        return graphs.launches();
    }

    /** Device memory in use on the whole GPU (all processes), in bytes, from cuMemGetInfo. */
    public long deviceMemoryInUse() {
        checkOpen();
        return context.memoryInUse();
    }

    /** Bytes of device memory this backend holds (weights, activations, workspaces). */
    public long allocatedBytes() {
        return memory.allocatedBytes();
    }

    // ---- memory ----

    @Override
    public Tensor allocate(long size) {
        checkOpen();
        return memory.allocate(TensorSizes.checked(size), Kind.FLOAT);
    }

    @Override
    public IntTensor allocateInts(long size) {
        checkOpen();
        return memory.allocate(TensorSizes.checked(size), Kind.INT);
    }

    @Override
    public Tensor upload(float[] values) {
        CudaBuffer b = (CudaBuffer) allocate(values.length);
        memory.copyIn(b, values, null);
        return b;
    }

    @Override
    public void write(IntTensor dst, int[] values) {
        CudaBuffer t = ints(dst);
        if (values.length > t.size()) {
            throw new IllegalArgumentException("writing " + values.length + " ints into a tensor of " + t.size());
        }
        memory.copyIn(t, null, values);
    }

    @Override
    public void write(Tensor dst, float[] values) {
        CudaBuffer t = floats(dst);
        if (values.length > t.size()) {
            throw new IllegalArgumentException("writing " + values.length + " floats into a tensor of " + t.size());
        }
        memory.copyIn(t, values, null);
    }

    @Override
    public void read(Tensor src, float[] dst) {
        CudaBuffer t = floats(src);
        if (dst.length > t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " floats into " + dst.length);
        }
        memory.copyOut(t, dst, null);
    }

    @Override
    public void readInts(IntTensor src, int[] dst) {
        CudaBuffer t = ints(src);
        if (dst.length > t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " ints into " + dst.length);
        }
        memory.copyOut(t, null, dst);
    }

    @Override
    public void release(DeviceBuffer buffer) {
        checkOpen();
        if (!(buffer instanceof CudaBuffer b) || !memory.owns(b) || b == cublasWorkspace) {
            throw new IllegalArgumentException("buffer " + buffer + " does not belong to this CUDA backend");
        }
        memory.free(b);
    }

    @Override
    public MatrixWeight uploadMatrix(float[] values, int rows, int cols) {
        if (rows < 1 || cols < 1 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("matrix of " + rows + " x " + cols + " given " + values.length + " values");
        }
        CudaBuffer fp32 = (CudaBuffer) upload(values);
        if (options.precision() != MatmulPrecision.BF16) {
            return new CudaMatrix(fp32, rows, cols);
        }
        CudaBuffer bf16 = memory.allocate(values.length, Kind.BF16);
        toBf16(fp32, bf16, values.length);
        memory.free(fp32);
        return new CudaMatrix(bf16, rows, cols);
    }

    // ---- ops ----

    void launch(String kernel, long gridX, int gridY, int block, Object... args) {
        checkOpen();
        context.launch(kernel, gridX, gridY, block, args);
    }

    static long blocks(long threads, int block) {
        return Math.max(1, (threads + block - 1) / block);
    }

    @Override
    public void embedSum(IntTensor tokens, IntTensor semantic, IntTensor lengths, Tensor codeEmbeds,
                         Tensor semanticEmbeds, Tensor out, int batch, int frames, int levels, int codebookSize, int dim) {
        requireSize("embedSum output", floats(out), (long) batch * frames * dim);
        launch("embed_sum", blocks((long) batch * frames * dim, ELEMENTWISE_BLOCK), 1, ELEMENTWISE_BLOCK,
                ints(tokens), ints(semantic), ints(lengths), floats(codeEmbeds), floats(semanticEmbeds), floats(out),
                batch, frames, levels, codebookSize, dim);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, int rows, int dim) {
        requireSize("layerNorm input", floats(x), (long) rows * dim);
        requireSize("layerNorm output", floats(out), (long) rows * dim);
        launch("layer_norm", rows, 1, NORM_GROUP, floats(x), floats(gamma), floats(beta), floats(out), rows, dim,
                1e-5f, 0);
    }

    @Override
    public void chanNorm(Tensor x, Tensor gamma, Tensor out, int rows, int channels) {
        requireSize("chanNorm input", floats(x), (long) rows * channels);
        requireSize("chanNorm output", floats(out), (long) rows * channels);
        launch("layer_norm", rows, 1, NORM_GROUP, floats(x), floats(gamma), null, floats(out), rows, channels, 1e-6f, 1);
    }

    @Override
    public void linear(Tensor x, MatrixWeight w, Tensor bias, Activation act, Tensor out, int rows) {
        CudaMatrix m = matrix(w);
        product(x, m, out, rows, 1f, 0f);
        boolean swish = act == Activation.SWISH;
        if (bias != null || swish) {
            epilogue(out, bias, rows, m.rows(), 1f, swish);
        }
    }

    @Override
    public void linearAccumulate(Tensor x, MatrixWeight w, Tensor bias, float scale, Tensor out, int rows) {
        CudaMatrix m = matrix(w);
        product(x, m, out, rows, scale, 1f);
        if (bias != null) {
            epilogue(out, bias, rows, m.rows(), scale, false);
        }
    }

    /** {@code out = alpha * x W^T + beta * out} on cuBLAS in this backend's precision. */
    private void product(Tensor x, CudaMatrix m, Tensor out, int rows, float alpha, float beta) {
        CudaBuffer a = floats(x);
        CudaBuffer c = floats(out);
        if (a.address() == c.address()) {
            throw new IllegalArgumentException("linear: out must not be the input");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("linear: " + rows + " rows");
        }
        requireSize("linear input", a, (long) rows * m.cols());
        requireSize("linear output", c, (long) rows * m.rows());
        checkOpen();
        context.makeCurrent();
        int inputType = CublasLibrary.R_32F;
        long input = a.address();
        if (options.precision() == MatmulPrecision.BF16) {
            CudaBuffer scratch = bf16Scratch((long) rows * m.cols());
            toBf16(a, scratch, (long) rows * m.cols());
            input = scratch.address();
            inputType = CublasLibrary.R_16BF;
        }
        int compute = options.precision() == MatmulPrecision.TF32 ? CublasLibrary.COMPUTE_32F_FAST_TF32
                : CublasLibrary.COMPUTE_32F;
        cublas.gemmRowMajor(cublasHandle, rows, m.rows(), m.cols(), alpha, m.data().address(), input, inputType, beta,
                c.address(), compute);
    }

    private void epilogue(Tensor out, Tensor bias, int rows, int cols, float biasScale, boolean swish) {
        launch("bias_activation", blocks((long) rows * cols, EPILOGUE_BLOCK), 1, EPILOGUE_BLOCK, floats(out),
                bias == null ? null : floats(bias), rows, cols, biasScale, swish ? 1 : 0);
    }

    private void toBf16(CudaBuffer in, CudaBuffer out, long n) {
        launch("to_bf16", blocks(n, EPILOGUE_BLOCK), 1, EPILOGUE_BLOCK, in, out, n);
    }

    /** A bf16 buffer of at least {@code size} elements, grown (never inside a capture) as needed. */
    private CudaBuffer bf16Scratch(long size) {
        if (bf16Scratch == null || bf16Scratch.size() < size) {
            memory.free(bf16Scratch);
            bf16Scratch = memory.allocate(size, Kind.BF16);
        }
        return bf16Scratch;
    }

    @Override
    public void attention(Tensor q, Tensor kv, IntTensor lengths, AttentionShape shape, Tensor out) {
        requireSize("attention q", floats(q), (long) shape.rows() * shape.inner());
        requireSize("attention kv", floats(kv), 2L * shape.rows() * shape.inner());
        requireSize("attention out", floats(out), (long) shape.rows() * shape.inner());
        rotaryTable(shape.frames(), shape.dimHead());
        float scale = (float) (1.0 / Math.sqrt(shape.dimHead()));
        int heads = shape.batch() * shape.heads();
        if (usesTensorCoreAttention(shape.dimHead())) {
            launch("attention_mma_hd" + shape.dimHead(), blocks(shape.frames(), MMA_QUERIES), heads, 4 * 32,
                    floats(q), floats(kv), ints(lengths), rotaryCos, rotarySin, floats(out), shape.frames(),
                    shape.heads(), scale);
            return;
        }
        if (!PORTABLE_HEAD_DIMS.contains(shape.dimHead())) {
            throw new IllegalArgumentException("the CUDA kernels are built for head sizes " + PORTABLE_HEAD_DIMS
                    + ", not " + shape.dimHead() + " (add it to kernels/soundstorm4j.cu and rebuild)");
        }
        launch("attention_hd" + shape.dimHead(), blocks(shape.frames(), ATT_QUERIES), heads, ATT_QUERIES, floats(q),
                floats(kv), ints(lengths), rotaryCos, rotarySin, floats(out), shape.frames(), shape.heads(), scale);
    }

    /** Whether attention of this head size runs on tensor cores (bf16) rather than the portable kernel. */
    boolean usesTensorCoreAttention(int dimHead) {
        return options.fastKernels() && options.precision() != MatmulPrecision.FP32 && MMA_HEAD_DIMS.contains(dimHead);
    }

    /** The rotary table on the device, rebuilt when a longer sequence or another head size comes. */
    private void rotaryTable(int frames, int dimHead) {
        if (rotary != null && rotary.covers(frames, dimHead)) {
            return;
        }
        memory.free(rotaryCos);
        memory.free(rotarySin);
        rotary = RotaryTable.of(frames, dimHead);
        rotaryCos = (CudaBuffer) upload(rotary.cos());
        rotarySin = (CudaBuffer) upload(rotary.sin());
    }

    @Override
    public void glu(Tensor x, Tensor out, int rows, int channels) {
        requireSize("glu input", floats(x), 2L * rows * channels);
        requireSize("glu output", floats(out), (long) rows * channels);
        launch("glu", blocks((long) rows * channels, ELEMENTWISE_BLOCK), 1, ELEMENTWISE_BLOCK, floats(x), floats(out),
                rows, channels);
    }

    @Override
    public void depthwiseConvSwish(Tensor x, Tensor weight, Tensor bias, IntTensor lengths, Tensor out, int batch,
                                   int frames, int channels, int kernel) {
        if (floats(x).address() == floats(out).address()) {
            throw new IllegalArgumentException("depthwiseConvSwish: out must not be the input");
        }
        requireSize("depthwiseConvSwish output", floats(out), (long) batch * frames * channels);
        launch("depthwise_conv_swish", blocks((long) batch * frames * channels, ELEMENTWISE_BLOCK), 1,
                ELEMENTWISE_BLOCK, floats(x), floats(weight), floats(bias), ints(lengths), floats(out), batch, frames,
                channels, kernel);
    }

    @Override
    public int maxTopK() {
        return TOPK_MAX;
    }

    @Override
    public void scoreTokens(Tensor logits, IntTensor tokens, DecodeLayout layout, RowSteps steps, IntTensor drawn,
                            Tensor confidence) {
        steps.require("scoreTokens", layout.batch());
        long rows = (long) layout.batch() * layout.frames();
        requireSize("scoreTokens logits", floats(logits), rows * layout.codebookSize());
        // the warp kernel gives each row a warp (32 threads), the portable one a thread
        boolean warp = usesWarpScoring();
        String kernel = warp ? "score_tokens_warp" : "score_tokens";
        int block = warp ? WARP_BLOCK : ELEMENTWISE_BLOCK;
        int rowsPerBlock = warp ? block / 32 : block;
        launch(kernel, blocks(rows, rowsPerBlock), 1, block, floats(logits), ints(tokens),
                ints(layout.lengths()), ints(layout.promptFrames()), ints(layout.outputOffsets()),
                ints(layout.sequenceIds()), ints(steps.ints()), floats(steps.floats()), ints(drawn), floats(confidence),
                layout.batch(), layout.frames(), layout.levels(), layout.codebookSize());
    }

    /**
     * Whether scoring runs the warp-per-position kernel (rows with top-k truncation run the portable
     * position on one lane of their warp, so the choice no longer depends on the step).
     */
    boolean usesWarpScoring() {
        return options.fastKernels();
    }

    @Override
    public void commitTokens(IntTensor drawn, Tensor confidence, RowSteps steps, IntTensor tokens,
                             DecodeLayout layout) {
        steps.require("commitTokens", layout.batch());
        launch("commit_tokens", blocks((long) layout.batch() * layout.frames(), ELEMENTWISE_BLOCK), 1,
                ELEMENTWISE_BLOCK, ints(drawn), floats(confidence), ints(steps.ints()), ints(tokens),
                layout.batch(), layout.frames(), layout.levels());
    }

    @Override
    public void selectRows(Tensor src, RowSteps steps, int level, Tensor dst, int batch, long rowSize) {
        steps.require("selectRows", batch);
        CudaBuffer s = floats(src);
        CudaBuffer d = floats(dst);
        if (s.address() == d.address()) {
            throw new IllegalArgumentException("selectRows: dst must not be src");
        }
        long size = TensorSizes.checked(batch * rowSize);
        requireSize("selectRows input", s, size);
        requireSize("selectRows output", d, size);
        if (size == 0) {
            return;
        }
        if (batch > 65535) {
            throw new IllegalArgumentException("selectRows: the CUDA backend copies at most 65535 rows, asked for "
                    + batch);
        }
        launch("select_rows", blocks(rowSize, ELEMENTWISE_BLOCK), batch, ELEMENTWISE_BLOCK, s, ints(steps.ints()), d,
                level, batch, (int) rowSize);
    }

    // ---- codec ops (CudaCodecOps) ----

    @Override
    public void im2col(Tensor x, IntTensor lengths, ConvWindow window, Tensor out, int batch, int frames, int channels) {
        codec.im2col(x, lengths, window, out, batch, frames, channels);
    }

    @Override
    public void elu(Tensor x, Tensor out, int size) {
        codec.elu(x, out, size);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out, int size) {
        codec.add(a, b, out, size);
    }

    @Override
    public void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames,
                            int codebookSize, int dim) {
        codec.codebookSum(codes, table, out, levels, batch, frames, codebookSize, dim);
    }

    @Override
    public void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                               int hidden) {
        codec.lstmRecurrence(gates, whh, h, c, out, batch, frames, hidden);
    }

    @Override
    public void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                           int kernel, int stride, int trimLeft) {
        codec.overlapAdd(y, bias, out, batch, framesIn, framesOut, channels, kernel, stride, trimLeft);
    }

    /**
     * The philox.h contract check, as on the OpenCL backend: 8 ints per query in, 3 ints per
     * query out (draw, uniform bits, Gumbel bits). For tests of the kernels' random numbers.
     */
    int[] philoxDraws(int[] coordinates) {
        int queries = coordinates.length / 8;
        IntTensor in = allocateInts(coordinates.length);
        IntTensor out = allocateInts(3L * queries);
        try {
            write(in, coordinates);
            launch("philox_draws", blocks(queries, ELEMENTWISE_BLOCK), 1, ELEMENTWISE_BLOCK, ints(in), ints(out), queries);
            int[] result = new int[3 * queries];
            readInts(out, result);
            return result;
        } finally {
            release(in);
            release(out);
        }
    }

    @Override
    public void replayable(Object key, Runnable ops) {
        checkOpen();
        if (options.graphs()) {
            context.makeCurrent();
            graphs.run(key, ops);
        } else {
            ops.run();
        }
    }

    @Override
    public void finish() {
        checkOpen();
        context.synchronize();
    }

    /**
     * Frees everything this backend holds. Best effort: a failing step (a GPU in an error state)
     * does not stop the later ones; the failures are thrown together at the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = new ArrayList<>();
        try {
            context.synchronize();
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
        }
        graphs.dropAll();
        try {
            cublas.destroyHandle(cublasHandle);
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
        }
        memory.close(failures);
        context.close(failures);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("closing the CUDA backend: " + String.join("; ", failures));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
    }

    private static void requireSize(String what, CudaBuffer t, long atLeast) {
        TensorSizes.require(what, t.size(), atLeast);
    }

    CudaBuffer floats(Tensor t) {
        if (!(t instanceof CudaBuffer c) || c.kind() != Kind.FLOAT || !memory.owns(c)) {
            throw new IllegalArgumentException("tensor " + t + " is not a live float tensor of this CUDA backend");
        }
        return c;
    }

    CudaBuffer ints(IntTensor t) {
        if (!(t instanceof CudaBuffer c) || c.kind() != Kind.INT || !memory.owns(c)) {
            throw new IllegalArgumentException("tensor " + t + " is not a live int tensor of this CUDA backend");
        }
        return c;
    }

    CudaMatrix matrix(MatrixWeight w) {
        if (!(w instanceof CudaMatrix m) || !memory.owns(m.data())) {
            throw new IllegalArgumentException("matrix " + w + " was not uploaded to this CUDA backend");
        }
        return m;
    }
}
