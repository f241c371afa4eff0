package org.soundstorm4j.backend.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The portable kernel sources ({@code kernels/*.clh} and their headers, packed into the jar),
 * joined into one OpenCL program text. {@code #include "x.h"} lines are replaced by the header
 * itself, each header once: a program built from a string has no include path.
 */
final class KernelSources {
    private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([A-Za-z0-9_.]+)\"\\s*$");

    private KernelSources() {
    }

    static String program(List<String> files) {
        StringBuilder sb = new StringBuilder();
        Set<String> included = new HashSet<>();
        for (String f : files) {
            inline(f, sb, included);
        }
        return sb.toString();
    }

    private static void inline(String file, StringBuilder sb, Set<String> included) {
        if (!included.add(file)) {
            return;
        }
        sb.append("/* ---- ").append(file).append(" ---- */\n");
        String source = read(file);
        Matcher m = INCLUDE.matcher(source);
        int last = 0;
        while (m.find()) {
            sb.append(source, last, m.start());
            inline(m.group(1), sb, included);
            last = m.end();
        }
        sb.append(source.substring(last)).append('\n');
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
