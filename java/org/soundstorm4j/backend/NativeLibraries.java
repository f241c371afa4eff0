package org.soundstorm4j.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a native library or an optional Java dependency is there, found without loading
 * anything. Loading a native library is a restricted operation that makes JDK 25 print a warning
 * unless the application enabled native access; the probes of the {@code auto} backend look here
 * first, so that a machine without CUDA or OpenCL prints no such warning.
 */
public final class NativeLibraries {
    /** Where the dynamic loader looks when LD_LIBRARY_PATH and its cache do not say. */
    private static final List<String> SYSTEM_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib", "/usr/local/cuda/lib64");
    /** The dynamic loader's cache: it holds every installed soname as a string. */
    private static final Path LOADER_CACHE = Path.of("/etc/ld.so.cache");

    private NativeLibraries() {
    }

    /**
     * Whether the dynamic loader could find {@code name}: a path (it exists) or a soname such as
     * {@code libcuda.so.1}, looked up in LD_LIBRARY_PATH, the loader's cache and the system folders.
     */
    public static boolean findable(String name) {
        if (name.contains("/")) {
            return Files.exists(Path.of(name));
        }
        for (String dir : searchDirs()) {
            if (Files.exists(Path.of(dir, name))) {
                return true;
            }
        }
        return loaderCacheMentions(name);
    }

    /** Whether class {@code className} is on the class path (an optional dependency), without initialising it. */
    public static boolean classPresent(String className) {
        try {
            Class.forName(className, false, NativeLibraries.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static List<String> searchDirs() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("LD_LIBRARY_PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(SYSTEM_DIRS);
        return dirs;
    }

    private static boolean loaderCacheMentions(String soname) {
        try {
            // ISO-8859-1 maps every byte to one char, so the binary cache's strings survive as they are
            return Files.readString(LOADER_CACHE, StandardCharsets.ISO_8859_1).contains(soname + "\0");
        } catch (IOException e) {
            return false;
        }
    }
}
