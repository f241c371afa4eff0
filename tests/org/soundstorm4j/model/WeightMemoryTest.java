package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.backend.cpu.CpuBackend;

/**
 * Loading keeps one copy of the weights: the CPU backend packs each matrix straight from the
 * mapped file (no full-size heap copy beside the packed one), and a loaded model no longer maps
 * its file, so the file's pages do not count in the process's resident memory.
 */
class WeightMemoryTest {
    /** Matrices are ~95% of this model's weights, so an extra copy of them shows plainly. */
    private static final ModelConfig CONFIG = new ModelConfig(256, 2, 4, 64, 4, 2, 31, 2, 64, 64, 1, LogitHead.PROJECTED);

    @TempDir
    Path tmp;

    @Test
    void theCpuBackendAllocatesAboutOneCopyOfTheWeights() {
        Path dir = TestModels.random(tmp.resolve("model"), CONFIG, 5);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count allocated bytes per thread");
        long weightBytes = 4 * CONFIG.parameterCount();
        try (Checkpoint ckpt = Checkpoint.open(dir); CpuBackend backend = new CpuBackend(1)) {
            new Conformer(ckpt, backend);  // loads the classes, so the second count is the upload's alone
            long before = threads.getCurrentThreadAllocatedBytes();
            new Conformer(ckpt, backend);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // one packed copy of the matrices, the small vectors twice (read, then the backend's copy)
            assertTrue(allocated < 1.25 * weightBytes, "uploading " + weightBytes + " bytes of weights allocated "
                    + allocated + " bytes on the heap (" + String.format("%.2f", (double) allocated / weightBytes) + "x)");
        }
    }

    @Test
    void aLoadedModelNoLongerMapsItsSafetensorsFile() throws IOException {
        Path dir = TestModels.random(tmp.resolve("model"), CONFIG, 6);
        assertUnmappedOnceLoaded(dir, dir.resolve(Checkpoint.WEIGHTS_FILE));
    }

    @Test
    void aLoadedModelNoLongerMapsItsPyTorchFile() throws Exception {
        Path pt = tmp.resolve("public_small.pt");
        Files.copy(Path.of(WeightMemoryTest.class.getResource("/torch/public_small.pt").toURI()), pt);
        assertUnmappedOnceLoaded(pt, pt);
    }

    private static void assertUnmappedOnceLoaded(Path model, Path file) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "no /proc/self/maps to list this process's mappings");
        String name = file.toRealPath().toString();
        try (SoundStorm loaded = SoundStorm.load(model, "cpu")) {
            List<String> mapped = Files.readAllLines(maps).stream().filter(l -> l.endsWith(name)).toList();
            assertTrue(mapped.isEmpty(), "after loading, " + name + " is still mapped:\n" + String.join("\n", mapped));
        }
    }
}
