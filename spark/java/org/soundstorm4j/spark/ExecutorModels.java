package org.soundstorm4j.spark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.backend.cuda.CudaOptions;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.io.Cleanup;
import scala.Tuple2;

/**
 * The models of this executor JVM: each (weights, codec, backend, batch, GPU) loaded by the first
 * task that needs it and shared by every later task, whatever its stage or job, until the JVM ends.
 * Tasks that arrive while it loads wait for that load instead of starting their own.
 */
final class ExecutorModels {
    /** Requests an engine holds beyond its rows: each task keeps at most {@link GeneratedRows#AHEAD} x batch. */
    private static final int MAX_QUEUED = 1 << 16;

    private record Key(String weights, String codec, String backend, int batch, Integer gpu) {
    }

    /** A loaded model and, where the options name one, its codec. */
    record Loaded(SoundStorm model, Codec codec) {
    }

    private static final Map<Key, Loaded> LOADED = new ConcurrentHashMap<>();
    /** Loads per weights location, for the tests. */
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /**
     * The model the options name, on the GPU Spark gave the running task if it has one. Synchronized
     * with {@link #discard} and {@link #closeAll}, so no task is handed a model being closed.
     */
    static synchronized Loaded forTask(SparkGenerationOptions options) {
        // the GPU is part of the key only where the model runs on it: one CPU model serves every task
        Integer gpu = onCuda(options.backend()) ? taskGpu() : null;
        Key key = new Key(options.weights(), options.codec(), options.backend(), options.batch(), gpu);
        return LOADED.computeIfAbsent(key, ExecutorModels::load);
    }

    /** How many times this JVM has loaded the model at {@code weights} (the tests count them). */
    static int loads(String weights) {
        AtomicInteger n = LOADS.get(weights);
        return n == null ? 0 : n.get();
    }

    /**
     * Forgets and closes a model whose engine failed (a failed pass, a stopped scheduler), so that
     * Spark's retry of the task, and every later task, loads it afresh instead of failing on it too.
     */
    static synchronized void discard(Loaded broken) {
        if (LOADED.values().removeIf(l -> l == broken)) {
            close(broken);
        }
    }

    /** Closes every model this JVM loaded; the next task loads again. For local mode's end and the tests. */
    static synchronized void closeAll() {
        RuntimeException first = null;
        for (Loaded l : LOADED.values()) {
            try {
                close(l);
            } catch (RuntimeException e) {
                first = first == null ? e : first; // close the others all the same
            }
        }
        LOADED.clear();
        if (first != null) {
            throw first;
        }
    }

    private static void close(Loaded l) {
        try (SoundStorm model = l.model(); Codec codec = l.codec()) {
            // closed by try-with-resources, the codec first; a null codec is skipped
        }
    }

    private static Loaded load(Key key) {
        Configuration hadoop = hadoopConfiguration();
        Path weights = ModelLocation.resolve(key.weights(), hadoop);
        Path codecPath = key.codec() == null ? null : ModelLocation.resolve(key.codec(), hadoop);
        EngineSettings settings = EngineSettings.defaults().withMaxRows(key.batch()).withMaxQueued(MAX_QUEUED)
                .withMaxWait(Duration.ofMillis(2));
        SoundStorm model = SoundStorm.load(weights, backend(key), settings);
        Codec codec = null;
        try {
            if (codecPath != null) {
                codec = Codec.load(codecPath, backend(key));
                model.config().codecPairing().check(model.config(), codec.config().nQ(), codec.config().codebookSize());
            }
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, codec, model);
            throw failure;
        }
        LOADS.computeIfAbsent(key.weights(), w -> new AtomicInteger()).incrementAndGet();
        return new Loaded(model, codec);
    }

    /**
     * The backend of {@code key}: with a GPU in the key (there only where the backend runs on CUDA),
     * CUDA on that device ordinal; otherwise the backend as {@link Backends#create} makes it.
     */
    private static Backend backend(Key key) {
        if (key.gpu() != null) {
            return Backends.cuda(CudaOptions.fromSystemProperties().withDevice(key.gpu()));
        }
        return Backends.create(key.backend());
    }

    /** Whether {@code backend} runs on CUDA here, and so on the task's GPU where Spark assigned one. */
    private static boolean onCuda(String backend) {
        return backend.equals("cuda") || backend.equals("auto") && Backends.cudaUnavailable() == null;
    }

    /** The first GPU address Spark assigned to the running task (spark.task.resource.gpu.amount), or null. */
    private static Integer taskGpu() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return null;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        String address = gpu.addresses()[0];
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the task's GPU address '" + address + "' is not a CUDA device ordinal "
                    + "(the GPU discovery script must print ordinals, as Spark's getGpusResources.sh does)", e);
        }
    }

    /** Hadoop's configuration as Spark's executors see it: the *-site.xml files plus spark.hadoop.* settings. */
    private static Configuration hadoopConfiguration() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> e : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(e._1(), e._2());
            }
        }
        return conf;
    }
}
