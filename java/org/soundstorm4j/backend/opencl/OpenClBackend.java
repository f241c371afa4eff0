package org.soundstorm4j.backend.opencl;

import static org.lwjgl.opencl.CL10.CL_DEVICE_VERSION;
import static org.lwjgl.opencl.CL10.CL_MEM_COPY_HOST_PTR;
import static org.lwjgl.opencl.CL10.CL_MEM_READ_WRITE;
import static org.lwjgl.opencl.CL10.CL_PROGRAM_BUILD_LOG;
import static org.lwjgl.opencl.CL10.CL_SUCCESS;
import static org.lwjgl.opencl.CL10.clBuildProgram;
import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clCreateCommandQueue;
import static org.lwjgl.opencl.CL10.clCreateContext;
import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clCreateProgramWithSource;
import static org.lwjgl.opencl.CL10.clEnqueueNDRangeKernel;
import static org.lwjgl.opencl.CL10.clEnqueueReadBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueWriteBuffer;
import static org.lwjgl.opencl.CL10.clFinish;
import static org.lwjgl.opencl.CL10.clGetProgramBuildInfo;
import static org.lwjgl.opencl.CL10.clReleaseCommandQueue;
import static org.lwjgl.opencl.CL10.clReleaseContext;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clReleaseMemObject;
import static org.lwjgl.opencl.CL10.clReleaseProgram;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.RotaryTable;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.backend.TensorSizes;

/**
 * The OpenCL backend (LWJGL): the portable kernels of {@code kernels/}, built once per backend
 * from the jar's sources, on the device {@code -Dsoundstorm4j.opencl.device} names (an index or
 * part of a name; default: the first GPU, else the first device). All calls go to one in-order
 * queue; only {@link #read} waits for the device.
 */
public final class OpenClBackend implements Backend {
    /** Work-group size of the row reductions (LayerNorm, ChanLayerNorm). */
    private static final int NORM_GROUP = 64;
    /** Edge of the matrix-product tile. */
    private static final int MATMUL_TILE = 16;
    private static final int ATT_QUERIES = 32;
    private static final int ATT_KEYS = 32;
    /** Work-group size of the element-wise kernels. */
    private static final int ELEMENTWISE_GROUP = 64;
    /** The largest top-k the scoring kernel handles (a private array of this size per work-item). */
    public static final int TOPK_MAX = 64;

    /** Error-code slot for the calls that report through an out parameter (freed on close). */
    private final java.nio.IntBuffer err = org.lwjgl.system.MemoryUtil.memAllocInt(1);
    private final ClDevice device;
    private final long context;
    private final long queue;
    private final long program;
    private final ClCodecOps codec;
    private final Map<String, Long> kernels = new HashMap<>();
    private final Map<Integer, Long> attentionPrograms = new HashMap<>();
    private final List<ClTensor> buffers = new ArrayList<>();
    private ClTensor rotaryCos;
    private ClTensor rotarySin;
    private RotaryTable rotary;
    private long uploads;
    private long downloads;
    private boolean closed;

    /** A backend on the default device, or the one {@code -Dsoundstorm4j.opencl.device} names. */
    public OpenClBackend() {
        this(ClDevice.choose(System.getProperty("soundstorm4j.opencl.device")));
    }

    private OpenClBackend(ClDevice device) {
        this.device = device;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer props = stack.mallocPointer(3).put(0x1084 /* CL_CONTEXT_PLATFORM */).put(device.platform()).put(0).flip();
            context = clCreateContext(props, device.device(), null, 0, err);
            OpenCl.check(err.get(0), "clCreateContext on " + device);
        }
        queue = clCreateCommandQueue(context, device.device(), 0, err);
        OpenCl.check(err.get(0), "clCreateCommandQueue");
        program = build(KernelSources.program(List.of("embed_sum.clh", "layer_norm.clh", "matmul.clh", "glu.clh",
                "depthwise_conv_swish.clh", "score_tokens.clh", "commit_tokens.clh", "select_rows.clh", "im2col.clh", "elu.clh", "add_tensors.clh",
                "overlap_add.clh", "lstm_step.clh", "codebook_sum.clh")),
                "-DNORM_GROUP=" + NORM_GROUP + " -DMATMUL_TILE=" + MATMUL_TILE + " -DTOPK_MAX=" + TOPK_MAX);
        codec = new ClCodecOps(this, program, ELEMENTWISE_GROUP);
    }

    /** Whether any OpenCL device is a GPU; false when OpenCL cannot be loaded at all. */
    public static boolean hasGpu() {
        if (OpenCl.libraryMissing() != null) {
            return false;
        }
        try {
            return ClDevice.all().stream().anyMatch(ClDevice::gpu);
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** Every OpenCL device here, by index, as {@code -Dsoundstorm4j.opencl.device} can name them. */
    public static List<String> devices() {
        List<ClDevice> all = ClDevice.all();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            out.add("device " + i + ": " + all.get(i));
        }
        return out;
    }

    /** Why this backend cannot run on this machine, or null if it can. */
    public static String unavailableReason() {
        return OpenCl.unavailableReason();
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "opencl: " + device + ", " + ClDevice.deviceString(device.device(), CL_DEVICE_VERSION);
    }

    /** Host-to-device copies so far (uploads and int writes). */
    public long uploads() {
        return uploads;
    }

    /** Device-to-host copies so far. */
    public long downloads() {
        return downloads;
    }

    private long build(String source, String defines) {
        long p = clCreateProgramWithSource(context, source, err);
        OpenCl.check(err.get(0), "clCreateProgramWithSource");
        int status = clBuildProgram(p, device.device(), "-cl-std=CL1.2 " + defines, null, 0);
        if (status != CL_SUCCESS) {
            String log = buildLog(p);
            clReleaseProgram(p);
            throw new IllegalStateException("building the OpenCL kernels (" + defines + ") failed on " + device
                    + " with error " + status + ":\n" + log);
        }
        return p;
    }

    private String buildLog(long p) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            clGetProgramBuildInfo(p, device.device(), CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
            ByteBuffer log = org.lwjgl.system.MemoryUtil.memAlloc((int) size.get(0));
            try {
                clGetProgramBuildInfo(p, device.device(), CL_PROGRAM_BUILD_LOG, log, null);
                return org.lwjgl.system.MemoryUtil.memUTF8Safe(log);
            } finally {
                org.lwjgl.system.MemoryUtil.memFree(log);
            }
        }
    }

    long kernel(long fromProgram, String name) {
        return kernels.computeIfAbsent(fromProgram + "/" + name, k -> {
            long kernel = clCreateKernel(fromProgram, name, err);
            OpenCl.check(err.get(0), "clCreateKernel(" + name + ")");
            return kernel;
        });
    }

    /** Sets the arguments (ClTensor, null for an absent buffer, Integer, Float) and enqueues. */
    void launch(long kernel, long[] global, long[] local, Object... args) {
        checkOpen();
        for (int i = 0; i < args.length; i++) {
            int err = switch (args[i]) {
                case null -> clSetKernelArg1p(kernel, i, 0L);
                case ClTensor t -> clSetKernelArg1p(kernel, i, t.mem());
                case Integer v -> clSetKernelArg1i(kernel, i, v);
                case Float v -> clSetKernelArg1f(kernel, i, v);
                default -> throw new IllegalArgumentException("kernel argument " + i + " of type " + args[i].getClass());
            };
            OpenCl.check(err, "clSetKernelArg " + i);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer g = stack.mallocPointer(global.length);
            PointerBuffer l = stack.mallocPointer(local.length);
            for (int d = 0; d < global.length; d++) {
                g.put(d, roundUp(global[d], local[d]));
                l.put(d, local[d]);
            }
            OpenCl.check(clEnqueueNDRangeKernel(queue, kernel, global.length, null, g, l, null, null),
                    "clEnqueueNDRangeKernel");
        }
    }

    private static long roundUp(long n, long multiple) {
        return Math.max(multiple, (n + multiple - 1) / multiple * multiple);
    }

    private ClTensor newBuffer(long size, boolean ints, float[] floats, int[] intValues) {
        checkOpen();
        if (size < 1) {
            size = 1; // OpenCL refuses empty buffers
        }
        int[] code = new int[1];
        long mem;
        if (floats != null) {
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, floats, code);
            uploads++;
        } else if (intValues != null) {
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, intValues, code);
            uploads++;
        } else {
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE, size * 4, err);
            code[0] = err.get(0);
        }
        OpenCl.check(code[0], "clCreateBuffer(" + size * 4 + " bytes)");
        ClTensor t = new ClTensor(mem, size, ints);
        buffers.add(t);
        if (floats == null && intValues == null) {
            zero(t);
        }
        return t;
    }

    /** Fills a new buffer with zero bits on the device (OpenCL 1.2): no host transfer. */
    private void zero(ClTensor t) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            OpenCl.check(org.lwjgl.opencl.CL12.clEnqueueFillBuffer(queue, t.mem(), stack.calloc(4), 0, t.size() * 4,
                    null, null), "clEnqueueFillBuffer");
        }
    }

    @Override
    public Tensor allocate(long size) {
        return newBuffer(TensorSizes.checked(size), false, null, null);
    }

    @Override
    public Tensor upload(float[] values) {
        return newBuffer(values.length, false, values.length == 0 ? new float[1] : values, null);
    }

    @Override
    public IntTensor allocateInts(long size) {
        return newBuffer(TensorSizes.checked(size), true, null, null);
    }

    @Override
    public void write(IntTensor dst, int[] values) {
        ClTensor t = ints(dst);
        if (values.length > t.size()) {
            throw new IllegalArgumentException("writing " + values.length + " ints into a tensor of " + t.size());
        }
        if (values.length > 0) {
            OpenCl.check(clEnqueueWriteBuffer(queue, t.mem(), true, 0, values, null, null), "clEnqueueWriteBuffer");
        }
        uploads++;
    }

    @Override
    public void write(Tensor dst, float[] values) {
        ClTensor t = floats(dst);
        if (values.length > t.size()) {
            throw new IllegalArgumentException("writing " + values.length + " floats into a tensor of " + t.size());
        }
        if (values.length > 0) {
            OpenCl.check(clEnqueueWriteBuffer(queue, t.mem(), true, 0, values, null, null), "clEnqueueWriteBuffer");
        }
        uploads++;
    }

    @Override
    public void read(Tensor src, float[] dst) {
        ClTensor t = floats(src);
        if (dst.length > t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " floats into " + dst.length);
        }
        if (dst.length > 0) {
            OpenCl.check(clEnqueueReadBuffer(queue, t.mem(), true, 0, dst, null, null), "clEnqueueReadBuffer");
        }
        downloads++;
    }

    @Override
    public void readInts(IntTensor src, int[] dst) {
        ClTensor t = ints(src);
        if (dst.length > t.size()) {
            throw new IllegalArgumentException("reading a tensor of " + t.size() + " ints into " + dst.length);
        }
        if (dst.length > 0) {
            OpenCl.check(clEnqueueReadBuffer(queue, t.mem(), true, 0, dst, null, null), "clEnqueueReadBuffer");
        }
        downloads++;
    }

    @Override
    public void release(DeviceBuffer buffer) {
        checkOpen();
        if (!(buffer instanceof ClTensor t) || !buffers.contains(t)) {
            throw new IllegalArgumentException("buffer " + buffer + " does not belong to this OpenCL backend");
        }
        release(t);
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
        TensorSizes.require("scoreTokens logits", floats(logits).size(), rows * layout.codebookSize());
        launch(kernel(program, "score_tokens"), new long[] {rows}, new long[] {ELEMENTWISE_GROUP}, floats(logits),
                ints(tokens), ints(layout.lengths()), ints(layout.promptFrames()), ints(layout.outputOffsets()),
                ints(layout.sequenceIds()), ints(steps.ints()), floats(steps.floats()), ints(drawn), floats(confidence),
                layout.batch(), layout.frames(), layout.levels(), layout.codebookSize());
    }

    @Override
    public void commitTokens(IntTensor drawn, Tensor confidence, RowSteps steps, IntTensor tokens,
                             DecodeLayout layout) {
        steps.require("commitTokens", layout.batch());
        launch(kernel(program, "commit_tokens"), new long[] {(long) layout.batch() * layout.frames()},
                new long[] {ELEMENTWISE_GROUP}, ints(drawn), floats(confidence), ints(steps.ints()), ints(tokens),
                layout.batch(), layout.frames(), layout.levels());
    }

    @Override
    public void selectRows(Tensor src, RowSteps steps, int level, Tensor dst, int batch, long rowSize) {
        steps.require("selectRows", batch);
        ClTensor s = floats(src);
        ClTensor d = floats(dst);
        if (s == d) {
            throw new IllegalArgumentException("selectRows: dst must not be src");
        }
        long size = TensorSizes.checked(batch * rowSize);
        TensorSizes.require("selectRows input", s.size(), size);
        TensorSizes.require("selectRows output", d.size(), size);
        if (size == 0) {
            return;
        }
        launch(kernel(program, "select_rows"), new long[] {rowSize, batch}, new long[] {ELEMENTWISE_GROUP, 1}, s,
                ints(steps.ints()), d, level, batch, (int) rowSize);
    }

    @Override
    public MatrixWeight uploadMatrix(float[] values, int rows, int cols) {
        if (rows < 1 || cols < 1 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("matrix of " + rows + " x " + cols + " given " + values.length + " values");
        }
        return new ClMatrix((ClTensor) upload(values), rows, cols);
    }

    @Override
    public void embedSum(IntTensor tokens, IntTensor semantic, IntTensor lengths, Tensor codeEmbeds,
                         Tensor semanticEmbeds, Tensor out, int batch, int frames, int levels, int codebookSize, int dim) {
        launch(kernel(program, "embed_sum"), new long[] {(long) batch * frames * dim}, new long[] {ELEMENTWISE_GROUP},
                ints(tokens), ints(semantic), ints(lengths), floats(codeEmbeds), floats(semanticEmbeds), floats(out),
                batch, frames, levels, codebookSize, dim);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, int rows, int dim) {
        launch(kernel(program, "layer_norm"), new long[] {(long) rows * NORM_GROUP}, new long[] {NORM_GROUP},
                floats(x), floats(gamma), floats(beta), floats(out), rows, dim, 1e-5f, 0);
    }

    @Override
    public void chanNorm(Tensor x, Tensor gamma, Tensor out, int rows, int channels) {
        launch(kernel(program, "layer_norm"), new long[] {(long) rows * NORM_GROUP}, new long[] {NORM_GROUP},
                floats(x), floats(gamma), null, floats(out), rows, channels, 1e-6f, 1);
    }

    @Override
    public void linear(Tensor x, MatrixWeight w, Tensor bias, Activation act, Tensor out, int rows) {
        matmul(x, w, bias, out, rows, act == Activation.SWISH ? 1 : 0, 1f);
    }

    @Override
    public void linearAccumulate(Tensor x, MatrixWeight w, Tensor bias, float scale, Tensor out, int rows) {
        matmul(x, w, bias, out, rows, 2, scale);
    }

    private void matmul(Tensor x, MatrixWeight w, Tensor bias, Tensor out, int rows, int epilogue, float scale) {
        ClMatrix m = matrix(w);
        ClTensor a = floats(x);
        ClTensor c = floats(out);
        if (a.mem() == c.mem()) {
            throw new IllegalArgumentException("linear: out must not be the input");
        }
        requireSize("linear input", a, (long) rows * m.cols());
        requireSize("linear output", c, (long) rows * m.rows());
        launch(kernel(program, "matmul"), new long[] {m.rows(), rows}, new long[] {MATMUL_TILE, MATMUL_TILE},
                a, m.data(), bias == null ? null : floats(bias), bias == null ? 0 : 1, c, rows, m.rows(), m.cols(),
                epilogue, scale);
    }

    @Override
    public void attention(Tensor q, Tensor kv, IntTensor lengths, AttentionShape shape, Tensor out) {
        requireSize("attention q", floats(q), (long) shape.rows() * shape.inner());
        requireSize("attention kv", floats(kv), 2L * shape.rows() * shape.inner());
        requireSize("attention out", floats(out), (long) shape.rows() * shape.inner());
        rotaryTable(shape.frames(), shape.dimHead());
        long p = attentionPrograms.computeIfAbsent(shape.dimHead(), dh -> build(KernelSources.program(List.of("attention.clh")),
                "-DHEAD_DIM=" + dh + " -DATT_QUERIES=" + ATT_QUERIES + " -DATT_KEYS=" + ATT_KEYS));
        launch(kernel(p, "attention"), new long[] {shape.frames(), (long) shape.batch() * shape.heads()},
                new long[] {ATT_QUERIES, 1}, floats(q), floats(kv), ints(lengths), rotaryCos, rotarySin, floats(out),
                shape.frames(), shape.heads(), (float) (1.0 / Math.sqrt(shape.dimHead())));
    }

    /** The rotary table on the device, rebuilt when a longer sequence or another head size comes. */
    private void rotaryTable(int frames, int dimHead) {
        if (rotary != null && rotary.covers(frames, dimHead)) {
            return;
        }
        release(rotaryCos);
        release(rotarySin);
        rotary = RotaryTable.of(frames, dimHead);
        rotaryCos = (ClTensor) upload(rotary.cos());
        rotarySin = (ClTensor) upload(rotary.sin());
    }

    @Override
    public void glu(Tensor x, Tensor out, int rows, int channels) {
        launch(kernel(program, "glu"), new long[] {(long) rows * channels}, new long[] {ELEMENTWISE_GROUP},
                floats(x), floats(out), rows, channels);
    }

    @Override
    public void depthwiseConvSwish(Tensor x, Tensor weight, Tensor bias, IntTensor lengths, Tensor out, int batch,
                                   int frames, int channels, int kernel) {
        if (floats(x).mem() == floats(out).mem()) {
            throw new IllegalArgumentException("depthwiseConvSwish: out must not be the input");
        }
        launch(kernel(program, "depthwise_conv_swish"), new long[] {(long) batch * frames * channels},
                new long[] {ELEMENTWISE_GROUP}, floats(x), floats(weight), floats(bias), ints(lengths), floats(out),
                batch, frames, channels, kernel);
    }

    // ---- codec ops (ClCodecOps) ----

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
     * Runs the philox.h contract check: for each query (8 ints: seed low, seed high, sequence,
     * level, iteration, purpose, position, n) the draw and the bits of its uniform and Gumbel
     * variates, 3 ints per query. For tests of the kernels' random numbers against the Java ones.
     */
    int[] philoxDraws(int[] coordinates) {
        int queries = coordinates.length / 8;
        long p = build(KernelSources.program(List.of("philox_draws.clh")), "");
        try {
            long k = kernel(p, "philox_draws");
            IntTensor in = allocateInts(coordinates.length);
            write(in, coordinates);
            ClTensor out = (ClTensor) allocateInts(3L * queries);
            launch(k, new long[] {queries}, new long[] {ELEMENTWISE_GROUP}, in, out, queries);
            int[] result = new int[3 * queries];
            OpenCl.check(clEnqueueReadBuffer(queue, out.mem(), true, 0, result, null, null), "clEnqueueReadBuffer");
            release((ClTensor) in);
            release(out);
            return result;
        } finally {
            clReleaseKernel(kernels.remove(p + "/philox_draws"));
            clReleaseProgram(p);
        }
    }

    @Override
    public void finish() {
        OpenCl.check(clFinish(queue), "clFinish");
    }

    private void release(ClTensor t) {
        if (t != null && buffers.remove(t)) {
            clReleaseMemObject(t.mem());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clFinish(queue);
        for (ClTensor t : buffers) {
            clReleaseMemObject(t.mem());
        }
        buffers.clear();
        for (long k : kernels.values()) {
            clReleaseKernel(k);
        }
        for (long p : attentionPrograms.values()) {
            clReleaseProgram(p);
        }
        clReleaseProgram(program);
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
        org.lwjgl.system.MemoryUtil.memFree(err);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
    }

    private static void requireSize(String what, ClTensor t, long atLeast) {
        TensorSizes.require(what, t.size(), atLeast);
    }

    ClTensor floats(Tensor t) {
        checkOpen();
        if (!(t instanceof ClTensor c) || c.ints()) {
            throw new IllegalArgumentException("tensor " + t + " is not a float tensor of the OpenCL backend");
        }
        return c;
    }

    ClTensor ints(IntTensor t) {
        checkOpen();
        if (!(t instanceof ClTensor c) || !c.ints()) {
            throw new IllegalArgumentException("tensor " + t + " is not an int tensor of the OpenCL backend");
        }
        return c;
    }

    ClMatrix matrix(MatrixWeight w) {
        checkOpen();
        if (!(w instanceof ClMatrix m)) {
            throw new IllegalArgumentException("matrix " + w + " was not uploaded to the OpenCL backend");
        }
        return m;
    }
}
