package org.soundstorm4j.backend.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The portable kernel sources ({@code kernels/*.clh}, packed into the jar), joined into one
 * OpenCL program text. {@code #include "portable.h"} lines are replaced by the header itself:
 * a program built from a string has no include path.
 */
final class KernelSources {
    private static final String HEADER = "portable.h";

    private KernelSources() {
    }

    static String program(List<String> files) {
        StringBuilder sb = new StringBuilder(read(HEADER)).append('\n');
        for (String f : files) {
            sb.append("/* ---- ").append(f).append(" ---- */\n");
            sb.append(read(f).replace("#include \"" + HEADER + "\"", "")).append('\n');
        }
        return sb.toString();
    }

    static String read(String file) {
        try (InputStream in = KernelSources.class.getResourceAsStream("/kernels/" + file)) {
            if (in == null) {
                throw new IllegalStateException("kernel source kernels/" + file + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source kernels/" + file, e);
        }
    }
}
