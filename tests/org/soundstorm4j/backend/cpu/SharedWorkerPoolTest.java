package org.soundstorm4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.LiveResources;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/** CPU backends made without a thread count share one pool: one set of threads, solo results when busy together. */
class SharedWorkerPoolTest {
    /** Big enough that every op splits into many tasks on the pool. */
    private static final ModelConfig CONFIG = new ModelConfig(32, 2, 2, 16, 2, 2, 5, 3, 24, 10, 1, LogitHead.PROJECTED);
    private static final int BATCH = 3;
    private static final int FRAMES = 97;

    @TempDir
    Path tmp;

    @Test
    void backendsShareOneSetOfPoolThreadsWhichStopWithTheLastBackend() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one core: a pool has no threads of its own");
        Set<Thread> before = LiveResources.cpuPoolThreads();
        try (CpuBackend a = new CpuBackend()) {
            Set<Thread> withOne = LiveResources.cpuPoolThreads();
            try (CpuBackend b = new CpuBackend()) {
                Set<Thread> started = new HashSet<>(LiveResources.cpuPoolThreads());
                started.removeAll(withOne);
                assertEquals(Set.of(), started, "the second backend started threads of its own");
            }
        }
        assertEquals(before, LiveResources.cpuPoolThreads(), "pool threads left after both backends closed");
    }

    @Test
    void twoBackendsBusyAtOnceFromTwoThreadsGiveTheSoloResultsBitForBit() throws Exception {
        try (Checkpoint checkpoint = Checkpoint.open(TestModels.random(tmp.resolve("m"), CONFIG, 5));
             CpuBackend a = new CpuBackend(); CpuBackend b = new CpuBackend()) {
            Conformer first = new Conformer(checkpoint, a);
            Conformer second = new Conformer(checkpoint, b);
            float[][] solo = new float[CONFIG.numQuantizers()][];
            for (int level = 0; level < solo.length; level++) {
                solo[level] = logits(first, level);
            }
            ExecutorService callers = Executors.newFixedThreadPool(2);
            try {
                Future<?> one = callers.submit(() -> repeatAndCompare(first, solo));
                Future<?> two = callers.submit(() -> repeatAndCompare(second, solo));
                one.get();
                two.get();
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void closingOneBackendLeavesTheOtherWorking() {
        try (Checkpoint checkpoint = Checkpoint.open(TestModels.random(tmp.resolve("m"), CONFIG, 6));
             CpuBackend kept = new CpuBackend()) {
            Conformer model = new Conformer(checkpoint, kept);
            float[] before = logits(model, 1);
            new CpuBackend().close();
            try (CpuBackend other = new CpuBackend()) {
                new Conformer(checkpoint, other).logits(tokens(), semantic(), lengths(), BATCH, FRAMES, 0);
            }
            assertArrayEquals(before, logits(model, 1));
        }
    }

    private static void repeatAndCompare(Conformer model, float[][] solo) {
        for (int round = 0; round < 20; round++) {
            int level = round % solo.length;
            assertArrayEquals(solo[level], logits(model, level), "round " + round + ", level " + level);
        }
    }

    private static float[] logits(Conformer model, int level) {
        return model.logits(tokens(), semantic(), lengths(), BATCH, FRAMES, level);
    }

    private static int[] tokens() {
        int[] t = new int[BATCH * FRAMES * CONFIG.numQuantizers()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (int) ((i * 2654435761L) % (CONFIG.codebookSize() + 1));
        }
        return t;
    }

    private static int[] semantic() {
        int[] s = new int[BATCH * FRAMES];
        for (int i = 0; i < s.length; i++) {
            s[i] = (i * 7 + 3) % CONFIG.numSemanticTokens();
        }
        return s;
    }

    private static int[] lengths() {
        return new int[] {FRAMES, FRAMES - 20, 1};
    }
}
