package org.soundstorm4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The CPU backend's worker threads. A forward pass is about a hundred short parallel ops, and
 * waking a parked thread costs tens of microseconds each time (a ForkJoinPool measured ~60 us per
 * op here), so idle workers spin briefly before parking: ops that follow each other closely start
 * within a microsecond or two. The calling thread takes tasks too.
 *
 * <p>Several threads may submit at once: one op runs at a time and the others wait for it (between
 * ops of one caller another caller's op can run, so they interleave). The CPU backends of a JVM
 * share one pool ({@link SharedWorkerPool}) for this reason: two pools spinning on the same cores
 * starve each other (two models on 2 cores ran 7-9x slower together than one alone).
 */
final class WorkerPool implements AutoCloseable {
    /** How long an idle worker spins for the next op before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger nextTask = new AtomicInteger();
    private final AtomicInteger workersBusy = new AtomicInteger();
    private volatile IntConsumer body;
    private volatile int taskCount;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("soundstorm4j-cpu-" + (i + 1)).start(this::workerLoop);
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body(i)} for every {@code i < tasks}, spread over the workers and the calling
     * thread; returns when all are done, rethrowing the first failure. Not reentrant: a task that
     * calls forEach runs its inner loop on its own thread.
     */
    void forEach(int tasks, IntConsumer body) {
        checkOpen();
        if (tasks <= 1 || workers.length == 0 || isWorker()) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        synchronized (this) {
            checkOpen(); // close() holds the monitor too: no dispatch reaches workers that have stopped
            this.body = body;
            this.taskCount = tasks;
            this.failure = null;
            nextTask.set(0);
            workersBusy.set(workers.length);
            generation++; // publishes the fields above to the workers
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runTasks();
            while (workersBusy.get() > 0) {
                Thread.onSpinWait();
            }
            this.body = null;
            Throwable t = failure;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the CPU backend's worker pool is closed");
        }
    }

    private boolean isWorker() {
        Thread current = Thread.currentThread();
        for (Thread w : workers) {
            if (w == current) {
                return true;
            }
        }
        return false;
    }

    private void runTasks() {
        IntConsumer b = body;
        int n = taskCount;
        for (int i = nextTask.getAndIncrement(); i < n; i = nextTask.getAndIncrement()) {
            try {
                b.accept(i);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed && System.nanoTime() - spinStart < SPIN_NANOS) {
                Thread.onSpinWait();
            }
            if (generation != seen) {
                seen = generation;
                runTasks();
                workersBusy.decrementAndGet();
            } else if (closed) {
                return;
            } else {
                LockSupport.park(this);
            }
        }
    }

    /**
     * Stops the workers once the op in progress (if any) has finished, and returns when they have
     * exited, so a closed pool leaves no thread behind. Closing twice is harmless.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        boolean interrupted = false;
        for (Thread w : workers) {
            while (w.isAlive() && w != Thread.currentThread()) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: returning early would leave threads behind
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
