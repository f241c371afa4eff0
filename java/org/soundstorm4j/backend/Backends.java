package org.soundstorm4j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.backend.cuda.CudaBackend;
import org.soundstorm4j.backend.opencl.OpenClBackend;

/** Creates backends by name and says which ones this machine can run. */
public final class Backends {
    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("auto", "cpu", "opencl", "cuda");

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
            case "opencl" -> available("opencl", OpenClBackend.unavailableReason(), OpenClBackend::new);
            case "cuda" -> available("cuda", CudaBackend.unavailableReason(), CudaBackend::new);
            case "auto" -> CudaBackend.unavailableReason() == null ? new CudaBackend()
                    : OpenClBackend.hasGpu() ? new OpenClBackend() : new CpuBackend();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': this build has "
                    + String.join(", ", NAMES));
        };
    }

    /** {@code create}'s backend, or an exception saying why backend {@code name} cannot run here. */
    private static Backend available(String name, String unavailableReason, Supplier<Backend> create) {
        if (unavailableReason != null) {
            throw new IllegalStateException("backend " + name + " is not available: " + unavailableReason);
        }
        return create.get();
    }

    /** One line per backend this machine can run, each from the backend's own description, or why not. */
    public static List<String> available() {
        List<String> lines = new ArrayList<>();
        try (Backend cpu = new CpuBackend()) {
            lines.add(cpu.description());
        }
        String cuda = CudaBackend.unavailableReason();
        if (cuda == null) {
            try (Backend b = new CudaBackend()) {
                lines.add(b.description());
            } catch (RuntimeException e) {
                lines.add("cuda: not available (" + e.getMessage() + ")");
            }
        } else {
            lines.add("cuda: not available (" + cuda + ")");
        }
        String reason = OpenClBackend.unavailableReason();
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
