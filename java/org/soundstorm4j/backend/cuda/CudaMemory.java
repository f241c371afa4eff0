package org.soundstorm4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jcuda.Pointer;
import org.soundstorm4j.backend.cuda.CudaBuffer.Kind;

/**
 * The backend's device memory: allocations (zero-filled on the device) and the copies between
 * Java arrays and the device, which go through one pinned staging buffer as asynchronous copies
 * on the stream. Every allocation and free is announced to the {@link GraphRecorder} first (a
 * graph holds addresses), and copies are refused while it captures.
 */
final class CudaMemory {
    /** Pinned host memory every copy goes through. */
    private static final int STAGING_BYTES = 8 << 20;

    private final CudaContext context;
    private final GraphRecorder graphs;
    private final Set<CudaBuffer> buffers = new LinkedHashSet<>();
    private final Pointer staging = new Pointer();
    private final ByteBuffer stagingBytes;
    private long uploads;
    private long downloads;

    CudaMemory(CudaContext context, GraphRecorder graphs) {
        this.context = context;
        this.graphs = graphs;
        context.makeCurrent();
        Cuda.check(cuMemHostAlloc(staging, STAGING_BYTES, 0), "cuMemHostAlloc(" + STAGING_BYTES + " bytes)");
        stagingBytes = staging.getByteBuffer(0, STAGING_BYTES).order(ByteOrder.nativeOrder());
    }

    /** {@code size} zero elements of {@code kind} on the device (no host transfer). */
    CudaBuffer allocate(long size, Kind kind) {
        context.makeCurrent();
        graphs.buffersChanging(false, "allocating device memory");
        DevicePointer p = new DevicePointer();
        // whole 32-bit words, so the zero fill below stays inside the allocation
        long bytes = (Math.max(1, size) * kind.bytes + 3) / 4 * 4;
        Cuda.check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes) on " + context.deviceName());
        CudaBuffer b = new CudaBuffer(p, size, kind);
        buffers.add(b);
        Cuda.check(cuMemsetD32Async(p, 0, bytes / 4, context.stream()), "cuMemsetD32Async");
        return b;
    }

    /** Whether {@code b} is a live buffer of this memory. */
    boolean owns(CudaBuffer b) {
        return buffers.contains(b);
    }

    /** Frees {@code b} once the work queued before has finished; null or freed already: nothing. */
    void free(CudaBuffer b) {
        if (b == null || !buffers.contains(b)) {
            return;
        }
        graphs.requireEager("freeing device memory");
        // queued work (and any graph launched) may still use the buffer
        context.synchronize();
        graphs.buffersChanging(true, "freeing device memory");
        buffers.remove(b);
        Cuda.check(cuMemFree(b.pointer()), "cuMemFree");
    }

    /** Copies all of {@code floats} or {@code ints} (one of them null) to the start of {@code dst}. */
    void copyIn(CudaBuffer dst, float[] floats, int[] ints) {
        context.makeCurrent();
        graphs.requireEager("a host-to-device copy");
        int n = floats != null ? floats.length : ints.length;
        int chunk = STAGING_BYTES / 4;
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            // the previous copy out of the staging buffer must be done before it is refilled
            context.synchronize();
            stagingBytes.clear();
            if (floats != null) {
                stagingBytes.asFloatBuffer().put(floats, from, count);
            } else {
                stagingBytes.asIntBuffer().put(ints, from, count);
            }
            Cuda.check(cuMemcpyHtoDAsync(dst.pointer().withByteOffset(4L * from), staging, 4L * count,
                    context.stream()), "cuMemcpyHtoDAsync");
        }
        uploads++;
    }

    /** Copies the start of {@code src} into all of {@code floats} or {@code ints} (one of them null). */
    void copyOut(CudaBuffer src, float[] floats, int[] ints) {
        context.makeCurrent();
        graphs.requireEager("a device-to-host copy");
        int n = floats != null ? floats.length : ints.length;
        int chunk = STAGING_BYTES / 4;
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            Cuda.check(cuMemcpyDtoHAsync(staging, src.pointer().withByteOffset(4L * from), 4L * count,
                    context.stream()), "cuMemcpyDtoHAsync");
            context.synchronize();
            stagingBytes.clear();
            if (floats != null) {
                stagingBytes.asFloatBuffer().get(floats, from, count);
            } else {
                stagingBytes.asIntBuffer().get(ints, from, count);
            }
        }
        downloads++;
    }

    /** Host-to-device copies so far. */
    long uploads() {
        return uploads;
    }

    /** Device-to-host copies so far. */
    long downloads() {
        return downloads;
    }

    /** Bytes of device memory held. */
    long allocatedBytes() {
        return buffers.stream().mapToLong(CudaBuffer::bytes).sum();
    }

    /** Frees every buffer and the staging memory; failures are added to {@code failures}. */
    void close(List<String> failures) {
        for (CudaBuffer b : buffers) {
            int status = cuMemFree(b.pointer());
            if (status != 0) {
                failures.add("cuMemFree failed with " + Cuda.errorName(status));
            }
        }
        buffers.clear();
        int status = cuMemFreeHost(staging);
        if (status != 0) {
            failures.add("cuMemFreeHost failed with " + Cuda.errorName(status));
        }
    }
}
