package org.soundstorm4j.backend.cpu;

/**
 * The one worker pool per JVM that CPU backends share, sized to the cores. Reference-counted:
 * the first backend to {@link #acquire} starts its threads and the last to {@link #release}
 * stops them, so a JVM with no open CPU backend has no pool threads (and a library that is
 * unloaded leaves none behind).
 */
final class SharedWorkerPool {
    private static WorkerPool pool;
    private static int holders;

    private SharedWorkerPool() {
    }

    /** The shared pool, started if no backend holds it; each call needs one {@link #release}. */
    static synchronized WorkerPool acquire() {
        if (pool == null) {
            pool = new WorkerPool(Runtime.getRuntime().availableProcessors());
        }
        holders++;
        return pool;
    }

    /** Gives back what {@link #acquire} returned; the last holder's release stops the threads. */
    static synchronized void release(WorkerPool released) {
        if (released != pool || holders == 0) {
            throw new IllegalStateException("releasing a worker pool that is not the shared one held");
        }
        if (--holders == 0) {
            pool = null;
            released.close();
        }
    }
}
