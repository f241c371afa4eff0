package org.soundstorm4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuGetErrorName;
import static jcuda.driver.JCudaDriver.cuInit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import jcuda.CudaException;
import jcuda.driver.JCudaDriver;
import org.soundstorm4j.backend.NativeLibraries;

/**
 * The CUDA driver (through JCuda) and the jar's kernels: whether they can run here, and the
 * error checking every driver call goes through.
 */
final class Cuda {
    /** The fatbin cmake/CMakeLists.txt builds, on the class path. */
    static final String FATBIN_RESOURCE = "/cuda/soundstorm4j.fatbin";
    private static final String UNAVAILABLE = probe();

    private Cuda() {
    }

    /** Why the CUDA backend cannot run on this machine, or null if it can. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    private static String probe() {
        if (Cuda.class.getResource(FATBIN_RESOURCE) == null) {
            return noKernels();
        }
        if (!NativeLibraries.findable("libcuda.so.1")) {
            // looked up without loading it: loading would print JDK 25's restricted-method warning
            return "no NVIDIA driver: libcuda.so.1 is not installed (not in LD_LIBRARY_PATH, the loader's cache "
                    + "or the system library folders)";
        }
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            return "no NVIDIA driver: libcuda.so.1 cannot be loaded";
        }
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int status = cuInit(0);
            if (status != 0) {
                return "cuInit failed with " + errorName(status) + " (no NVIDIA driver or GPU usable)";
            }
            int[] count = new int[1];
            status = cuDeviceGetCount(count);
            if (status != 0) {
                return "cuDeviceGetCount failed with " + errorName(status);
            }
            return count[0] == 0 ? "no CUDA device" : null;
        } catch (LinkageError | CudaException e) {
            // JCuda's message lists every path it tried, with stack traces: its first line says enough
            String message = String.valueOf(e.getMessage());
            return "JCuda's driver library cannot be loaded: " + message.lines().findFirst().orElse(message);
        }
    }

    private static String noKernels() {
        return "this soundstorm4j build has no CUDA kernels (" + FATBIN_RESOURCE.substring(1)
                + " is missing: nvcc was not found when it was built; install the CUDA toolkit and rebuild)";
    }

    /** The fatbin's bytes. */
    static byte[] kernelImage() {
        try (InputStream in = Cuda.class.getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(noKernels());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("reading " + FATBIN_RESOURCE + " from the jar", e);
        }
    }

    /** Throws naming {@code what} and the driver's error when {@code status} is not CUDA_SUCCESS. */
    static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed with " + errorName(status));
        }
    }

    static String errorName(int status) {
        String[] name = new String[1];
        try {
            if (cuGetErrorName(status, name) == 0 && name[0] != null) {
                return name[0] + " (" + status + ")";
            }
        } catch (LinkageError | CudaException e) {
            // fall through to the number
        }
        return "CUDA error " + status;
    }
}
