package org.soundstorm4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.RotaryTable;
import org.soundstorm4j.backend.ScoreStep;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.backend.cuda.CudaBuffer.Kind;

/**
 * The CUDA backend: JCuda's driver API (the device's primary context, one non-blocking stream,
 * the jar's fatbin as a module, async copies through a pinned staging buffer), cuBLAS through
 * java.lang.foreign for the matrix products, the portable kernels of {@code kernels/} for the
 * other ops and, where they pay, CUDA-only variants (tensor-core attention, warp scoring).
 * {@link #replayable} records CUDA graphs (see {@link GraphRecorder}).
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
    /** Pinned host memory every copy goes through. */
    private static final int STAGING_BYTES = 8 << 20;
    /** cuBLAS's workspace, given before any capture so products never allocate (32 MiB suits Hopper). */
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    /** CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream. */
    private static final int STREAM_NON_BLOCKING = 1;

    private final CudaOptions options;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final DevicePointer.Stream stream = new DevicePointer.Stream();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Set<CudaBuffer> buffers = new LinkedHashSet<>();
    private final String deviceName;
    private final CublasLibrary cublas;
    private final long cublasHandle;
    private CudaBuffer cublasWorkspace;
    private final Pointer staging = new Pointer();
    private final ByteBuffer stagingBytes;
    private final GraphRecorder graphs;
    private CudaBuffer bf16Scratch;
    private CudaBuffer rotaryCos;
    private CudaBuffer rotarySin;
    private RotaryTable rotary;
    private Thread contextThread;
    private long uploads;
    private long downloads;
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
        int[] count = new int[1];
        Cuda.check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (options.device() >= count[0]) {
            throw new IllegalArgumentException("CUDA device " + options.device() + " asked for, this machine has "
                    + count[0]);
        }
        Cuda.check(cuDeviceGet(device, options.device()), "cuDeviceGet");
        deviceName = deviceName(device);
        Cuda.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        boolean built = false;
        boolean pinned = false;
        CublasLibrary library = null;
        long handle = 0;
        try {
            makeCurrent();
            Cuda.check(cuStreamCreate(stream, STREAM_NON_BLOCKING), "cuStreamCreate");
            Cuda.check(cuModuleLoadData(module, Cuda.kernelImage()), "cuModuleLoadData(" + Cuda.FATBIN_RESOURCE
                    + ") on " + deviceName + " (compute capability " + computeCapability() + ")");
            Cuda.check(cuMemHostAlloc(staging, STAGING_BYTES, 0), "cuMemHostAlloc(" + STAGING_BYTES + " bytes)");
            pinned = true;
            library = CublasLibrary.load();
            handle = library.createHandle();
            built = true;
        } finally {
            if (!built) {
                releasePartial(handle, library, pinned);
            }
        }
        stagingBytes = staging.getByteBuffer(0, STAGING_BYTES).order(ByteOrder.nativeOrder());
        cublas = library;
        cublasHandle = handle;
        graphs = new GraphRecorder(stream);
        try {
            cublas.setStream(cublasHandle, stream.address());
            cublasWorkspace = newBuffer(CUBLAS_WORKSPACE_BYTES / 4, Kind.INT);
            cublas.setWorkspace(cublasHandle, cublasWorkspace.address(), CUBLAS_WORKSPACE_BYTES);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Undoes a constructor that failed half-way (unloading what was never loaded is harmless). */
    private void releasePartial(long handle, CublasLibrary library, boolean pinned) {
        if (handle != 0) {
            library.destroyHandle(handle);
        }
        if (pinned) {
            cuMemFreeHost(staging);
        }
        cuModuleUnload(module);
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
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
        return "cuda: " + deviceName + " (sm_" + computeCapability() + "), " + options.precision() + " products via "
                + cublas.name() + (options.fastKernels() ? ", fast kernels" : ", portable kernels only")
                + (options.graphs() ? ", CUDA graphs" : ", no graphs");
    }

    /** The options this backend runs with. */
    public CudaOptions options() {
        return options;
    }

    /** Host-to-device copies so far (uploads and int writes). */
    public long uploads() {
        return uploads;
    }

    /** Device-to-host copies so far. */
    public long downloads() {
        return downloads;
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
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return total[0] - free[0];
    }

    /** Bytes of device memory this backend holds (weights, activations, workspaces). */
    public long allocatedBytes() {
        return buffers.stream().mapToLong(CudaBuffer::bytes).sum();
    }

    private static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        Cuda.check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new String(name, 0, end, StandardCharsets.UTF_8);
    }

    private String computeCapability() {
        int[] major = new int[1];
        int[] minor = new int[1];
        cuDeviceGetAttribute(major, 75 /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */, device);
        cuDeviceGetAttribute(minor, 76 /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR */, device);
        return major[0] + "" + minor[0];
    }

    /** Makes the primary context current on this thread (a no-op while the same thread calls). */
    private void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        Thread current = Thread.currentThread();
        if (current != contextThread) {
            Cuda.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            contextThread = current;
        }
    }

    // ---- memory ----

    private CudaBuffer newBuffer(long size, Kind kind) {
        makeCurrent();
        graphs.buffersChanging(false, "allocating device memory");
        DevicePointer p = new DevicePointer();
        // whole 32-bit words, so the zero fill below stays inside the allocation
        long bytes = (Math.max(1, size) * kind.bytes + 3) / 4 * 4;
        Cuda.check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes) on " + deviceName);
        CudaBuffer b = new CudaBuffer(p, size, kind);
        buffers.add(b);
        // zero bits on the device: no host transfer
        Cuda.check(cuMemsetD32Async(p, 0, bytes / 4, stream), "cuMemsetD32Async");
        return b;
    }

    @Override
    public Tensor allocate(long size) {
        return newBuffer(checkedSize(size), Kind.FLOAT);
    }

    @Override
    public IntTensor allocateInts(long size) {
        return newBuffer(checkedSize(size), Kind.INT);
    }

    @Override
    public Tensor upload(float[] values) {
        CudaBuffer b = newBuffer(values.length, Kind.FLOAT);
        copyIn(b, values, null);
        return b;
    }

    @Override
    public void write(IntTensor dst, int[] values) {
        CudaBuffer t = ints(dst);
        if (values.length != t.size()) {
            throw new IllegalArgumentException("writing " + values.length + " ints into a tensor of " + t.size());
        }
        copyIn(t, null, values);
    }

    /** Copies floats or ints to {@code dst} through the pinned staging buffer, chunk by chunk. */
    private void copyIn(CudaBuffer dst, float[] floats, int[] ints) {
        makeCurrent();
        graphs.requireEager("a host-to-device copy");
        int n = floats != null ? floats.length : ints.length;
        int chunk = STAGING_BYTES / 4;
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            // the previous chunk's copy must be done before the staging buffer is refilled
            Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            stagingBytes.clear();
            if (floats != null) {
                stagingBytes.asFloatBuffer().put(floats, from, count);
            } else {
                stagingBytes.asIntBuffer().put(ints, from, count);
            }
            Cuda.check(cuMemcpyHtoDAsync(dst.pointer().withByteOffset(4L * from), staging, 4L * count, stream),
                    "cuMemcpyHtoDAsync");
        }
        uploads++;
    }

    @Override
    public void read(Tensor src, float[] dst) {
        CudaBuffer t = floats(src);
        if (dst.length != t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " floats into " + dst.length);
        }
        copyOut(t, dst, null);
    }

    @Override
    public void readInts(IntTensor src, int[] dst) {
        CudaBuffer t = ints(src);
        if (dst.length != t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " ints into " + dst.length);
        }
        copyOut(t, null, dst);
    }

    private void copyOut(CudaBuffer src, float[] floats, int[] ints) {
        makeCurrent();
        graphs.requireEager("a device-to-host copy");
        int n = floats != null ? floats.length : ints.length;
        int chunk = STAGING_BYTES / 4;
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            Cuda.check(cuMemcpyDtoHAsync(staging, src.pointer().withByteOffset(4L * from), 4L * count, stream),
                    "cuMemcpyDtoHAsync");
            Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            stagingBytes.clear();
            if (floats != null) {
                stagingBytes.asFloatBuffer().get(floats, from, count);
            } else {
                stagingBytes.asIntBuffer().get(ints, from, count);
            }
        }
        downloads++;
    }

    @Override
    public void release(DeviceBuffer buffer) {
        makeCurrent();
        if (!(buffer instanceof CudaBuffer b) || !buffers.contains(b) || b == cublasWorkspace) {
            throw new IllegalArgumentException("buffer " + buffer + " does not belong to this CUDA backend");
        }
        free(b);
    }

    private void free(CudaBuffer b) {
        if (b == null || !buffers.contains(b)) {
            return;
        }
        graphs.requireEager("freeing device memory");
        // queued work (and any graph launched) may still use the buffer
        Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        graphs.buffersChanging(true, "freeing device memory");
        buffers.remove(b);
        Cuda.check(cuMemFree(b.pointer()), "cuMemFree");
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
        CudaBuffer bf16 = newBuffer(values.length, Kind.BF16);
        toBf16(fp32, bf16, values.length);
        free(fp32);
        return new CudaMatrix(bf16, rows, cols);
    }

    // ---- kernels ----

    private CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            Cuda.check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    /**
     * Launches {@code kernel} on the stream with a grid of {@code gridX x gridY} blocks of
     * {@code block} threads; arguments are CudaBuffers (passed as device addresses), null (a null
     * pointer), Integer, Long or Float.
     */
    private void launch(String kernel, long gridX, int gridY, int block, Object... args) {
        makeCurrent();
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case null -> Pointer.to(new long[] {0L});
                case CudaBuffer b -> Pointer.to(new long[] {b.address()});
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                default -> throw new IllegalArgumentException("kernel argument " + i + " of type " + args[i].getClass());
            };
        }
        if (gridX < 1 || gridX > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kernel + ": grid of " + gridX + " blocks");
        }
        Cuda.check(cuLaunchKernel(function(kernel), (int) gridX, gridY, 1, block, 1, 1, 0, stream, Pointer.to(params),
                null), "cuLaunchKernel(" + kernel + ")");
    }

    private static long blocks(long threads, int block) {
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
        makeCurrent();
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
            free(bf16Scratch);
            bf16Scratch = newBuffer(size, Kind.BF16);
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
        free(rotaryCos);
        free(rotarySin);
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
    public void scoreTokens(Tensor logits, IntTensor tokens, DecodeLayout layout, ScoreStep step, IntTensor drawn,
                            Tensor confidence) {
        boolean topK = step.topK() > 0 && step.topK() < layout.codebookSize();
        if (topK && step.topK() > TOPK_MAX) {
            throw new IllegalArgumentException("the CUDA backend samples top-k up to " + TOPK_MAX + ", asked for "
                    + step.topK());
        }
        long rows = (long) layout.batch() * layout.frames();
        requireSize("scoreTokens logits", floats(logits), rows * layout.codebookSize());
        requireSize("scoreTokens seed", ints(layout.seed()), 2);
        boolean warp = usesWarpScoring(step, layout.codebookSize());
        launch(warp ? "score_tokens_warp" : "score_tokens", warp ? blocks(rows, WARP_BLOCK / 32) : blocks(rows,
                ELEMENTWISE_BLOCK), 1, warp ? WARP_BLOCK : ELEMENTWISE_BLOCK, floats(logits), ints(tokens),
                ints(layout.lengths()), ints(layout.promptFrames()), ints(layout.outputOffsets()),
                ints(layout.sequenceIds()), ints(drawn), floats(confidence), layout.batch(), layout.frames(),
                layout.levels(), layout.codebookSize(), step.level(), step.iteration(), step.greedy() ? 1 : 0,
                step.inverseTemperature(), step.topK(), step.choiceNoise(), ints(layout.seed()));
    }

    /** Whether this step is scored by the warp-per-position kernel (which has no top-k truncation). */
    boolean usesWarpScoring(ScoreStep step, int codebookSize) {
        return options.fastKernels() && (step.topK() == 0 || step.topK() >= codebookSize);
    }

    @Override
    public void commitTokens(IntTensor drawn, Tensor confidence, IntTensor stay, int stayOffset, IntTensor tokens,
                             DecodeLayout layout, int level) {
        launch("commit_tokens", blocks((long) layout.batch() * layout.frames(), ELEMENTWISE_BLOCK), 1,
                ELEMENTWISE_BLOCK, ints(drawn), floats(confidence), ints(stay), stayOffset, ints(tokens),
                layout.batch(), layout.frames(), layout.levels(), level);
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
        if (options.graphs()) {
            makeCurrent();
            graphs.run(key, ops);
        } else {
            ops.run();
        }
    }

    @Override
    public void finish() {
        makeCurrent();
        Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /**
     * Frees everything this backend holds. Best effort: a failing step (a GPU in an error state)
     * does not stop the later ones; the first failure is thrown at the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        makeCurrent();
        closed = true;
        List<String> failures = new ArrayList<>();
        Runnable[] steps = {
            () -> Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize"),
            graphs::dropAll,
            () -> {
                for (CudaBuffer b : buffers) {
                    Cuda.check(cuMemFree(b.pointer()), "cuMemFree");
                }
                buffers.clear();
            },
            () -> cublas.destroyHandle(cublasHandle),
            () -> Cuda.check(cuMemFreeHost(staging), "cuMemFreeHost"),
            () -> Cuda.check(cuModuleUnload(module), "cuModuleUnload"),
            () -> Cuda.check(cuStreamDestroy(stream), "cuStreamDestroy"),
            () -> Cuda.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease"),
        };
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("closing the CUDA backend: " + String.join("; ", failures));
        }
    }

    private static long checkedSize(long size) {
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensors hold at most 2^31 - 9 elements, asked for " + size);
        }
        return size;
    }

    private static void requireSize(String what, CudaBuffer t, long atLeast) {
        if (t.size() < atLeast) {
            throw new IllegalArgumentException(what + " has " + t.size() + " elements, needs " + atLeast);
        }
    }

    private CudaBuffer floats(Tensor t) {
        if (!(t instanceof CudaBuffer c) || c.kind() != Kind.FLOAT || !buffers.contains(c)) {
            throw new IllegalArgumentException("tensor " + t + " is not a live float tensor of this CUDA backend");
        }
        return c;
    }

    private CudaBuffer ints(IntTensor t) {
        if (!(t instanceof CudaBuffer c) || c.kind() != Kind.INT || !buffers.contains(c)) {
            throw new IllegalArgumentException("tensor " + t + " is not a live int tensor of this CUDA backend");
        }
        return c;
    }

    private CudaMatrix matrix(MatrixWeight w) {
        if (!(w instanceof CudaMatrix m) || !buffers.contains(m.data())) {
            throw new IllegalArgumentException("matrix " + w + " was not uploaded to this CUDA backend");
        }
        return m;
    }
}
