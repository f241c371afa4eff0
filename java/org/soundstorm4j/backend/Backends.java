package org.soundstorm4j.backend;

import java.util.List;
import org.soundstorm4j.backend.cpu.CpuBackend;

/** Creates backends by name and says which ones this machine can run. */
public final class Backends {
    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("auto", "cpu");

    private Backends() {
    }

    /**
     * The backend called {@code name}: "cpu" (pure Java), or "auto" (the fastest available; the CPU
     * backend until a GPU backend exists).
     */
    public static Backend create(String name) {
        return switch (name) {
            case "auto", "cpu" -> new CpuBackend();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': this build has "
                    + String.join(", ", NAMES));
        };
    }

    /** One line per backend this machine can run, each from the backend's own description. */
    public static List<String> available() {
        try (Backend cpu = new CpuBackend()) {
            return List.of(cpu.description());
        }
    }
}
