package org.soundstorm4j.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cuBLAS bound with java.lang.foreign: JCublas 12.6 needs libcublas.so.12, which CUDA 13 machines
 * lack, so the library is found by soname (libcublas.so.13, then .so.12) through the dynamic
 * loader, then in the usual install directories (CUDA_HOME, /usr/local/cuda, the
 * {@code nvidia/cublas/lib} folder of pip's CUDA wheels), or taken from
 * {@code -Dsoundstorm4j.cublas.library} (a file path or a soname). Only the versioned entry
 * points the backend uses are bound. Device pointers and handles are plain {@code long}s.
 */
final class CublasLibrary {
    /** System property naming the cuBLAS library to load instead of searching. */
    static final String LIBRARY_PROPERTY = "soundstorm4j.cublas.library";
    private static final List<String> SONAMES = List.of("libcublas.so.13", "libcublas.so.12");

    static final int OP_N = 0;
    static final int OP_T = 1;
    static final int R_32F = 0;
    static final int R_16BF = 14;
    static final int COMPUTE_32F = 68;
    static final int COMPUTE_32F_FAST_TF32 = 77;
    static final int GEMM_DEFAULT = -1;

    private final String name;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle setWorkspace;
    private final MethodHandle gemmEx;
    /** alpha and beta for the next product: host memory that cuBLAS reads when a call is made. */
    private final MemorySegment scalars = Arena.global().allocate(JAVA_FLOAT, 2);

    private CublasLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        Linker linker = Linker.nativeLinker();
        create = bind(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = bind(linker, lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        setStream = bind(linker, lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        setWorkspace = bind(linker, lookup, "cublasSetWorkspace_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        gemmEx = bind(linker, lookup, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /**
     * Loads cuBLAS: the library the property names, else the first soname that loads.
     *
     * @throws IllegalStateException naming every library tried and how to point at one
     */
    static CublasLibrary load() {
        String chosen = System.getProperty(LIBRARY_PROPERTY);
        List<String> candidates = chosen != null && !chosen.isBlank() ? List.of(chosen) : candidates();
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                SymbolLookup lookup = candidate.contains("/")
                        ? SymbolLookup.libraryLookup(Path.of(candidate), Arena.global())
                        : SymbolLookup.libraryLookup(candidate, Arena.global());
                return new CublasLibrary(candidate, lookup);
            } catch (IllegalArgumentException | IllegalStateException e) {
                failures.add(candidate + " (" + e.getMessage() + ")");
            }
        }
        throw new IllegalStateException("cuBLAS could not be loaded: tried " + String.join(", ", failures)
                + "; install CUDA's cuBLAS or set -D" + LIBRARY_PROPERTY + "=/path/to/libcublas.so.N");
    }

    /** The sonames, then each of them in every install directory that has it. */
    private static List<String> candidates() {
        List<String> out = new ArrayList<>(SONAMES);
        List<Path> dirs = new ArrayList<>();
        for (String env : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        for (String root : List.of("/usr/local/lib", "/usr/lib", System.getProperty("user.home") + "/.local/lib")) {
            try (var pythons = Files.newDirectoryStream(Path.of(root), "python3*")) {
                for (Path python : pythons) {
                    for (String packages : List.of("dist-packages", "site-packages")) {
                        dirs.add(python.resolve(packages).resolve("nvidia/cublas/lib"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such folder: nothing to search there
            }
        }
        for (String soname : SONAMES) {
            for (Path dir : dirs) {
                if (Files.isRegularFile(dir.resolve(soname))) {
                    out.add(dir.resolve(soname).toString());
                }
            }
        }
        return out;
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = lookup.find(symbol)
                .orElseThrow(() -> new IllegalStateException("cuBLAS library has no symbol " + symbol));
        return linker.downcallHandle(address, descriptor);
    }

    /** The library that was loaded (a soname or path). */
    String name() {
        return name;
    }

    /** A new handle on the calling thread's current context. */
    long createHandle() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            call("cublasCreate_v2", () -> (int) create.invokeExact(out));
            return out.get(JAVA_LONG, 0);
        }
    }

    void destroyHandle(long handle) {
        call("cublasDestroy_v2", () -> (int) destroy.invokeExact(handle));
    }

    void setStream(long handle, long stream) {
        call("cublasSetStream_v2", () -> (int) setStream.invokeExact(handle, stream));
    }

    void setWorkspace(long handle, long workspace, long bytes) {
        call("cublasSetWorkspace_v2", () -> (int) setWorkspace.invokeExact(handle, workspace, bytes));
    }

    /**
     * Row-major {@code Y[m, n] = alpha * X[m, k] W[n, k]^T + beta * Y}: in cuBLAS's column-major
     * terms {@code Y^T = W X^T}, i.e. {@code gemm(T, N, n, m, k, W, k, X, k, Y, n)}.
     *
     * @param inputType {@link #R_32F} or {@link #R_16BF}: the element type of both W and X (Y is fp32)
     * @param compute   {@link #COMPUTE_32F} or {@link #COMPUTE_32F_FAST_TF32}
     */
    void gemmRowMajor(long handle, int m, int n, int k, float alpha, long w, long x, int inputType, float beta, long y,
                      int compute) {
        scalars.set(JAVA_FLOAT, 0, alpha);
        scalars.set(JAVA_FLOAT, 4, beta);
        MemorySegment alphaAt = scalars.asSlice(0, 4);
        MemorySegment betaAt = scalars.asSlice(4, 4);
        call("cublasGemmEx", () -> (int) gemmEx.invokeExact(handle, OP_T, OP_N, n, m, k, alphaAt, w, inputType, k, x,
                inputType, k, betaAt, y, R_32F, n, compute, GEMM_DEFAULT));
    }

    @FunctionalInterface
    private interface NativeCall {
        int invoke() throws Throwable;
    }

    private static void call(String what, NativeCall call) {
        int status;
        try {
            status = call.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what, t);
        }
        check(status, what);
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed with " + statusName(status));
        }
    }

    /** cublasStatus_t's names (cublas_api.h). */
    static String statusName(int status) {
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status " + status;
        };
    }
}
