package org.soundstorm4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.LiveResources;

class WorkerPoolTest {
    @Test
    void everyTaskRunsExactlyOnceAcrossManyDispatches() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 2000; round++) {
                int tasks = 1 + round % 37;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                pool.forEach(tasks, runs::incrementAndGet);
                for (int i = 0; i < tasks; i++) {
                    assertEquals(1, runs.get(i), "round " + round + " task " + i);
                }
                if (round % 500 == 0) {
                    Thread.sleep(5); // let the workers park, then wake them
                }
            }
        }
    }

    @Test
    void aFailingTaskIsRethrownAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.forEach(10, i -> {
                if (i == 7) {
                    throw boom;
                }
            }));
            assertSame(boom, thrown);
            AtomicIntegerArray runs = new AtomicIntegerArray(5);
            pool.forEach(5, runs::incrementAndGet);
            assertEquals(5, java.util.stream.IntStream.range(0, 5).map(runs::get).sum());
        }
    }

    @Test
    void concurrentSubmittersEachHaveTheirOwnTasksRunExactlyOnce() throws Exception {
        try (WorkerPool pool = new WorkerPool(3)) {
            ExecutorService submitters = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int s = 0; s < 3; s++) {
                    int tasks = 5 + 11 * s;
                    done.add(submitters.submit(() -> {
                        for (int round = 0; round < 500; round++) {
                            AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                            pool.forEach(tasks, runs::incrementAndGet);
                            for (int i = 0; i < tasks; i++) {
                                assertEquals(1, runs.get(i), tasks + " tasks, round " + round + " task " + i);
                            }
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                submitters.shutdownNow();
            }
        }
    }

    @Test
    void closeReturnsOnceTheWorkersHaveExited() {
        Set<Thread> before = LiveResources.cpuPoolThreads();
        WorkerPool pool = new WorkerPool(3);
        pool.forEach(8, i -> { });
        pool.close();
        assertEquals(before, LiveResources.cpuPoolThreads());
    }

    @Test
    void aClosedPoolRefusesWork() {
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forEach(4, i -> { }));
    }
}
