package org.soundstorm4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What a test can see of the resources this JVM holds: the CPU backend's pool threads, file mappings. */
public final class LiveResources {
    /** The CPU backend's worker threads are named so ({@code WorkerPool}). */
    public static final String CPU_POOL_THREAD_PREFIX = "soundstorm4j-cpu-";
    private static final Path MAPS = Path.of("/proc/self/maps");

    private LiveResources() {
    }

    /** The live threads of every CPU backend worker pool in this JVM. */
    public static Set<Thread> cpuPoolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(CPU_POOL_THREAD_PREFIX))
                .collect(Collectors.toSet());
    }

    /** Whether {@link #mappingsUnder} can see mappings here (Linux). */
    public static boolean canSeeMappings() {
        return Files.isReadable(MAPS);
    }

    /**
     * Memory mappings this process holds of files under {@code dir} (lines of /proc/self/maps
     * naming such a file, also once it is deleted or replaced).
     */
    public static long mappingsUnder(Path dir) {
        try (Stream<String> lines = Files.lines(MAPS)) {
            String prefix = " " + dir.toRealPath() + "/";
            return lines.filter(l -> l.contains(prefix)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
