package org.soundstorm4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.engine.Generation;
import org.soundstorm4j.engine.GenerationEngine;
import org.soundstorm4j.engine.GenerationListener;
import org.soundstorm4j.engine.GenerationRequest;
import org.soundstorm4j.engine.RequestCheck;

/**
 * A loaded SoundStorm model: generates acoustic tokens from semantic tokens with the paper's
 * level-wise confidence-based parallel decoding.
 *
 * <pre>{@code
 * try (SoundStorm model = SoundStorm.load(Path.of("weights/demo"))) {
 *     AcousticTokens out = model.generate(Utterance.of(semanticIds), GenerationConfig.paper().withSeed(42));
 *     int[][] frames = out.sequence(0);   // [frames][levels]
 * }
 * }</pre>
 *
 * <p>Thread safety: every method may be called from any thread. Generations run on the model's
 * {@link GenerationEngine}, which batches concurrent calls (and requests submitted to it directly)
 * pass by pass; each utterance gets the same tokens as it would alone. One instance per model is
 * enough: a second instance only splits the device between two engines.
 */
public final class SoundStorm implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final Backend backend;
    private final Conformer conformer;
    private final GenerationEngine engine;
    private boolean closed;

    private SoundStorm(Checkpoint checkpoint, Backend backend, EngineSettings settings) {
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.conformer = new Conformer(checkpoint, backend);
        // every weight is on the backend now: unmap the file, so its pages leave the resident set
        checkpoint.close();
        this.engine = new GenerationEngine(conformer, settings);
    }

    /** Loads a model directory (config.json + model.safetensors) on the default backend. */
    public static SoundStorm load(Path modelDir) {
        return load(modelDir, "auto");
    }

    /** Loads a model directory on the named backend ("auto", "cpu"). */
    public static SoundStorm load(Path modelDir, String backendName) {
        return load(modelDir, Backends.create(backendName));
    }

    /**
     * Loads a model directory onto {@code backend}, which the model then owns: closing the model
     * closes it, and so does a failed load, whatever it fails with (an Error too), together with
     * the file mapping it made.
     *
     * @throws org.soundstorm4j.weights.WeightsException naming the file when it is malformed
     */
    public static SoundStorm load(Path modelDir, Backend backend) {
        return load(modelDir, backend, EngineSettings.defaults());
    }

    /**
     * Loads a model directory onto {@code backend} as {@link #load(Path, Backend)} does, with an
     * engine batching by {@code settings}.
     */
    public static SoundStorm load(Path modelDir, Backend backend, EngineSettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("settings is null: pass EngineSettings.defaults()");
        }
        Checkpoint checkpoint = null;
        try {
            checkpoint = Checkpoint.open(modelDir);
            return new SoundStorm(checkpoint, backend, settings);
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, backend, checkpoint);
            throw failure;
        }
    }

    public ModelConfig config() {
        return checkpoint.config();
    }

    /** The backend's short name ("cpu", ...). */
    public String backendName() {
        return backend.name();
    }

    /** The backend's one-line description. */
    public String backendDescription() {
        return backend.description();
    }

    /** Generates one utterance without progress reports. */
    public AcousticTokens generate(Utterance utterance, GenerationConfig config) {
        return generate(List.of(utterance), config, ProgressListener.NONE);
    }

    /**
     * Generates a batch of utterances (each with its own length and optional prompt).
     *
     * @return per utterance, tokens {@code [semantic.length * semantic_rate_ratio][levels]}
     * @throws IllegalArgumentException naming the utterance and the problem, before any work
     */
    public AcousticTokens generate(List<Utterance> utterances, GenerationConfig config, ProgressListener listener) {
        return generate(utterances, config, listener, WindowListener.NONE);
    }

    /**
     * Generates a batch of utterances as {@link #generate(List, GenerationConfig, ProgressListener)}
     * does, handing each finished window of each utterance to {@code windows} as soon as it is final.
     * Each utterance is one request to the {@link #engine()}, which batches them (and any other
     * caller's requests) pass by pass; listeners are called on the engine's thread, one at a time.
     */
    public AcousticTokens generate(List<Utterance> utterances, GenerationConfig config, ProgressListener listener,
                                   WindowListener windows) {
        if (listener == null || windows == null) {
            throw new IllegalArgumentException("listener is null: pass ProgressListener.NONE or WindowListener.NONE");
        }
        if (config == null) {
            throw new IllegalArgumentException("config is null");
        }
        checkOpen();
        RequestCheck.check(config(), utterances);
        int total = utterances.stream().mapToInt(u -> engine.passes(u, config)).sum();
        int[] done = {0};
        List<GenerationRequest> requests = new ArrayList<>();
        for (int u = 0; u < utterances.size(); u++) {
            int index = u;
            GenerationListener each = new GenerationListener() {
                @Override
                public void onPass(Progress p) {
                    // the batch's progress: every utterance's passes counted together
                    listener.onPass(new Progress(p.window(), p.windows(), p.level(), p.iteration(), ++done[0],
                            total));
                }

                @Override
                public void onWindow(int frameOffset, int[][] tokens) {
                    windows.onWindow(index, frameOffset, tokens);
                }
            };
            requests.add(new GenerationRequest(utterances.get(u), config, null, each));
        }
        List<CompletableFuture<Generation>> futures = engine.submitAll(requests);
        List<int[][]> out = new ArrayList<>();
        for (CompletableFuture<Generation> f : futures) {
            try {
                out.add(f.join().tokens());
            } catch (CompletionException e) {
                futures.forEach(other -> other.cancel(false));
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return new AcousticTokens(out);
    }

    /** The engine every generation of this model runs on: submit requests to it from any thread. */
    public GenerationEngine engine() {
        checkOpen();
        return engine;
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this SoundStorm model is closed");
        }
    }

    /** Finishes every request already taken, then frees the model and its backend. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            engine.close();
        } finally {
            backend.close();
            checkpoint.close();
        }
    }
}
