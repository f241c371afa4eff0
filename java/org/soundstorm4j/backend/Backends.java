package org.soundstorm4j.backend;

import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.backend.cuda.CudaBackend;
import org.soundstorm4j.backend.cuda.CudaOptions;
import org.soundstorm4j.backend.opencl.OpenClBackend;

/** Creates backends by name and says which ones this machine can run. */
public final class Backends {
    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("auto", "cpu", "opencl", "cuda");

    private static final String JCUDA_CLASS = "jcuda.driver.JCudaDriver";
    private static final String LWJGL_OPENCL_CLASS = "org.lwjgl.opencl.CL";

    private Backends() {
    }

    /**
     * The backend called {@code name}: "cpu" (pure Java), "opencl" (the device
     * {@code -Dsoundstorm4j.opencl.device} names, default the first GPU, else the first device),
     * "cuda" (an NVIDIA GPU; options from {@code -Dsoundstorm4j.cuda.*}, see {@code CudaOptions}),
     * or "auto": CUDA if it can run, else an OpenCL GPU, else the CPU backend (an OpenCL CPU
     * device such as PoCL is slower than the Java CPU backend, so auto never picks it).
     */
    public static Backend create(String name) {
        return switch (name) {
            case "cpu" -> new CpuBackend();
            case "opencl" -> {
                requireAvailable("opencl", openClUnavailable());
                yield new OpenClBackend();
            }
            case "cuda" -> {
                requireAvailable("cuda", cudaUnavailable());
                yield new CudaBackend();
            }
            case "auto" -> cudaUnavailable() == null ? new CudaBackend()
                    : openClUnavailable() == null && OpenClBackend.hasGpu() ? new OpenClBackend() : new CpuBackend();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': this build has "
                    + String.join(", ", NAMES));
        };
    }

    /**
     * The CUDA backend with explicit options (a device ordinal a scheduler assigned, for one), or an
     * {@link IllegalStateException} saying why CUDA cannot run here.
     */
    public static Backend cuda(CudaOptions options) {
        requireAvailable("cuda", cudaUnavailable());
        return new CudaBackend(options);
    }

    /**
     * Throws saying why backend {@code name} cannot run here, if it cannot. The caller constructs
     * the backend only after this check, not through a method reference evaluated before it: linking
     * {@code CudaBackend::new} would load the class, and with it JCuda, which may not be there.
     */
    private static void requireAvailable(String name, String unavailableReason) {
        if (unavailableReason != null) {
            throw new IllegalStateException("backend " + name + " is not available: " + unavailableReason);
        }
    }

    /**
     * Why the CUDA backend cannot run here, or null if it can. JCuda is an optional dependency, so
     * its presence is checked before any class that links against it is touched.
     */
    public static String cudaUnavailable() {
        return NativeLibraries.classPresent(JCUDA_CLASS) ? CudaBackend.unavailableReason()
                : "JCuda is not on the class path (add org.jcuda:jcuda and org.jcuda:jcuda-natives, see the README)";
    }

    /** Why the OpenCL backend cannot run here, or null if it can; LWJGL is optional, as JCuda. */
    public static String openClUnavailable() {
        return NativeLibraries.classPresent(LWJGL_OPENCL_CLASS) ? OpenClBackend.unavailableReason()
                : "LWJGL's OpenCL binding is not on the class path (add org.lwjgl:lwjgl, its natives-linux and "
                        + "org.lwjgl:lwjgl-opencl, see the README)";
    }

    /** One line per backend this machine can run, each from the backend's own description, or why not. */
    public static List<String> available() {
        List<String> lines = new ArrayList<>();
        try (Backend cpu = new CpuBackend()) {
            lines.add(cpu.description());
        }
        String cuda = cudaUnavailable();
        if (cuda == null) {
            try (Backend b = new CudaBackend()) {
                lines.add(b.description());
            } catch (RuntimeException e) {
                lines.add("cuda: not available (" + e.getMessage() + ")");
            }
        } else {
            lines.add("cuda: not available (" + cuda + ")");
        }
        String reason = openClUnavailable();
        if (reason == null) {
            for (String device : OpenClBackend.devices()) {
                lines.add("opencl: " + device);
            }
        } else {
            lines.add("opencl: not available (" + reason + ")");
        }
        return lines;
    }
}
