package org.soundstorm4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * One GPU as the backend uses it: the device's primary context (shared with cuBLAS, which uses
 * the runtime API), one non-blocking stream, and the jar's fatbin loaded as a module whose
 * kernels {@link #launch} runs on that stream.
 */
final class CudaContext {
    /** CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream. */
    private static final int STREAM_NON_BLOCKING = 1;
    private static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    private static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final DevicePointer.Stream stream = new DevicePointer.Stream();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final String deviceName;
    private final String computeCapability;
    private Thread currentOn;
    private boolean closed;

    /**
     * Retains device {@code ordinal}'s primary context, creates the stream and loads the kernels;
     * on failure releases what it took and throws naming the step.
     */
    CudaContext(int ordinal) {
        int[] count = new int[1];
        Cuda.check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (ordinal >= count[0]) {
            throw new IllegalArgumentException("CUDA device " + ordinal + " asked for, this machine has " + count[0]);
        }
        Cuda.check(cuDeviceGet(device, ordinal), "cuDeviceGet");
        deviceName = deviceName(device);
        computeCapability = attribute(ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) + "" + attribute(ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        Cuda.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        try {
            makeCurrent();
            Cuda.check(cuStreamCreate(stream, STREAM_NON_BLOCKING), "cuStreamCreate");
            Cuda.check(cuModuleLoadData(module, Cuda.kernelImage()), "cuModuleLoadData(" + Cuda.FATBIN_RESOURCE
                    + ") on " + deviceName + " (sm_" + computeCapability + ")");
        } catch (Throwable e) { // an Error too: the primary context must not stay retained
            // unloading or destroying what was never made fails harmlessly
            cuModuleUnload(module);
            cuStreamDestroy(stream);
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
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

    private int attribute(int which) {
        int[] value = new int[1];
        Cuda.check(cuDeviceGetAttribute(value, which, device), "cuDeviceGetAttribute(" + which + ")");
        return value[0];
    }

    String deviceName() {
        return deviceName;
    }

    /** "90" for compute capability 9.0. */
    String computeCapability() {
        return computeCapability;
    }

    DevicePointer.Stream stream() {
        return stream;
    }

    /** Makes the primary context current on the calling thread (a no-op while the same thread calls). */
    void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        Thread current = Thread.currentThread();
        if (current != currentOn) {
            Cuda.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            currentOn = current;
        }
    }

    /** Waits for everything queued on the stream. */
    void synchronize() {
        makeCurrent();
        Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Device memory in use on the whole GPU (all processes), in bytes. */
    long memoryInUse() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return total[0] - free[0];
    }

    /**
     * Launches {@code kernel} on the stream with a grid of {@code gridX x gridY} blocks of
     * {@code block} threads; arguments are CudaBuffers (passed as device addresses), null (a null
     * pointer), Integer, Long or Float, in the kernel's parameter order.
     */
    void launch(String kernel, long gridX, int gridY, int block, Object... args) {
        makeCurrent();
        if (gridX < 1 || gridX > Integer.MAX_VALUE || gridY < 1 || gridY > 65535) {
            throw new IllegalArgumentException(kernel + ": a grid of " + gridX + " x " + gridY + " blocks");
        }
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
        Cuda.check(cuLaunchKernel(function(kernel), (int) gridX, gridY, 1, block, 1, 1, 0, stream, Pointer.to(params),
                null), "cuLaunchKernel(" + kernel + ")");
    }

    private CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            Cuda.check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    /** Unloads the module, destroys the stream, releases the context; failures are added to {@code failures}. */
    void close(List<String> failures) {
        if (closed) {
            return;
        }
        makeCurrent();
        closed = true;
        record(failures, cuModuleUnload(module), "cuModuleUnload");
        record(failures, cuStreamDestroy(stream), "cuStreamDestroy");
        record(failures, cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
    }

    private static void record(List<String> failures, int status, String what) {
        if (status != 0) {
            failures.add(what + " failed with " + Cuda.errorName(status));
        }
    }
}
