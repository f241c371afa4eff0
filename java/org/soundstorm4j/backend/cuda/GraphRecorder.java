package org.soundstorm4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;

/**
 * CUDA graphs for {@code Backend.replayable}: the first run of a key is eager (it may allocate
 * workspaces and load kernels), the second is captured from the stream into a graph and launched,
 * later ones only launch the graph. A graph holds device addresses, so every free drops all
 * graphs, and a key is captured only if its eager run happened since the last allocation or
 * free. Inside a capture, allocating, freeing or copying between host and device is refused with
 * {@link NotCapturable}; the capture is then abandoned and the ops run eagerly instead.
 */
final class GraphRecorder {
    /** CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: unsafe driver calls from this thread fail the capture. */
    private static final int CAPTURE_MODE_THREAD_LOCAL = 1;

    private final CUstream stream;
    private final Map<Object, CUgraphExec> graphs = new HashMap<>();
    private final Map<Object, Long> eagerRunAt = new HashMap<>();
    private long epoch;
    private boolean capturing;
    private long captures;
    private long launches;

    /** Thrown by the backend when an op would do something a graph cannot hold. */
    static final class NotCapturable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotCapturable(String what) {
            super(what + " inside a CUDA graph capture", null, false, false);
        }
    }

    GraphRecorder(CUstream stream) {
        this.stream = stream;
    }

    void run(Object key, Runnable ops) {
        CUgraphExec exec = graphs.get(key);
        if (exec == null && Long.valueOf(epoch).equals(eagerRunAt.get(key))) {
            exec = capture(ops);
            if (exec != null) {
                graphs.put(key, exec);
                captures++;
            }
        }
        if (exec == null) {
            ops.run();
            eagerRunAt.put(key, epoch);
            return;
        }
        Cuda.check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
        launches++;
    }

    /** The graph of {@code ops}, or null when they did something a graph cannot hold. */
    private CUgraphExec capture(Runnable ops) {
        Cuda.check(cuStreamBeginCapture(stream, CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
        capturing = true;
        RuntimeException failure = null;
        try {
            ops.run();
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            capturing = false;
        }
        CUgraph graph = new CUgraph();
        int ended = cuStreamEndCapture(stream, graph);
        if (failure != null) {
            if (ended == 0) {
                cuGraphDestroy(graph);
            }
            if (failure instanceof NotCapturable) {
                return null;
            }
            throw failure;
        }
        Cuda.check(ended, "cuStreamEndCapture");
        CUgraphExec exec = new CUgraphExec();
        try {
            Cuda.check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
        } finally {
            cuGraphDestroy(graph);
        }
        return exec;
    }

    /** Refuses {@code what} while capturing (a copy or an allocation cannot be replayed). */
    void requireEager(String what) {
        if (capturing) {
            throw new NotCapturable(what);
        }
    }

    /** Called before every allocation ({@code freed} false) and free ({@code freed} true). */
    void buffersChanging(boolean freed, String what) {
        requireEager(what);
        epoch++;
        if (freed) {
            dropAll();
        }
    }

    /** Graphs captured so far. */
    long captures() {
        return captures;
    }

    /** Graph launches so far. */
    long launches() {
        return launches;
    }

    void dropAll() {
        for (CUgraphExec exec : graphs.values()) {
            cuGraphExecDestroy(exec);
        }
        graphs.clear();
        eagerRunAt.clear();
    }
}
