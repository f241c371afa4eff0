package org.soundstorm4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.sampler.DecodeBatch;
import org.soundstorm4j.sampler.LevelwiseSampler;

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
 * <p>Thread safety: one generation runs at a time per model; concurrent {@code generate} calls on
 * the same instance wait for each other (they are serialized, not rejected). Load one instance per
 * thread for parallel generations; on the CPU backend all instances share one worker pool, so
 * their forward passes take turns on the cores rather than competing for them.
 */
public final class SoundStorm implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final Backend backend;
    private final Conformer conformer;
    private final LevelwiseSampler sampler;
    private boolean closed;

    private SoundStorm(Checkpoint checkpoint, Backend backend) {
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.conformer = new Conformer(checkpoint, backend);
        // every weight is on the backend now: unmap the file, so its pages leave the resident set
        checkpoint.close();
        this.sampler = new LevelwiseSampler(backend, conformer::forward, conformer.config().codebookSize());
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
        Checkpoint checkpoint = null;
        try {
            checkpoint = Checkpoint.open(modelDir);
            return new SoundStorm(checkpoint, backend);
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
     */
    public synchronized AcousticTokens generate(List<Utterance> utterances, GenerationConfig config,
                                                ProgressListener listener, WindowListener windows) {
        if (closed) {
            throw new IllegalStateException("this SoundStorm model is closed");
        }
        if (listener == null || windows == null) {
            throw new IllegalArgumentException("listener is null: pass ProgressListener.NONE or WindowListener.NONE");
        }
        ModelConfig c = config();
        int[] steps = config.steps().forLevels(c.numQuantizers());
        RequestCheck.check(c, utterances);
        List<Timeline> timelines = new ArrayList<>();
        for (Utterance u : utterances) {
            timelines.add(new Timeline(u, c.semanticRateRatio(), config));
        }
        int windowCount = timelines.stream().mapToInt(Timeline::windows).max().orElse(0);
        // every window's plan depends on lengths only, so the total number of passes is known up front
        int passesTotal = 0;
        for (int w = 0; w < windowCount; w++) {
            int window = w;
            int[] targets = active(timelines, w).stream().mapToInt(t -> t.targetFrames(window)).toArray();
            passesTotal += LevelwiseSampler.passes(targets, steps);
        }
        int[] done = {0};
        int total = passesTotal;
        for (int w = 0; w < windowCount; w++) {
            int window = w;
            List<Timeline> rows = active(timelines, w);
            int frames = rows.stream().mapToInt(t -> t.windowFrames(window)).max().orElseThrow();
            DecodeBatch batch = new DecodeBatch(rows.size(), frames, c.numQuantizers(), c.maskId());
            for (int r = 0; r < rows.size(); r++) {
                rows.get(r).fillRow(batch, r, w);
            }
            sampler.decode(batch, steps, config.temperature(), config.topK(), config.choiceTemperature(), config.seed(),
                    (level, iteration) -> listener.onPass(new Progress(window, windowCount, level, iteration, ++done[0], total)));
            for (int r = 0; r < rows.size(); r++) {
                Timeline t = rows.get(r);
                int offset = t.produced();
                int[][] decoded = batch.target(r);
                t.accept(decoded);
                windows.onWindow(timelines.indexOf(t), offset, decoded);
            }
        }
        return new AcousticTokens(timelines.stream().map(Timeline::output).toList());
    }

    /** Utterances that have a window {@code w}. */
    private static List<Timeline> active(List<Timeline> timelines, int w) {
        return timelines.stream().filter(t -> t.windows() > w).toList();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            backend.close();
            checkpoint.close();
        }
    }
}
