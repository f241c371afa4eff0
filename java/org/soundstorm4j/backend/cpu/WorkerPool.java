package org.soundstorm4j.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** The CPU backend's own worker threads (one per core by default), so it never uses the common pool. */
final class WorkerPool implements AutoCloseable {
    private final ForkJoinPool pool;
    private final int threads;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body(i)} for every {@code i < tasks}, spread over the workers; returns when all are done. */
    void forEach(int tasks, IntConsumer body) {
        if (tasks == 1 || threads == 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
