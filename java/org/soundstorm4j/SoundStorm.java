package org.soundstorm4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
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
 * thread for parallel generations.
 */
public final class SoundStorm implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final Backend backend;
    private final Conformer conformer;
    private boolean closed;

    private SoundStorm(Checkpoint checkpoint, Backend backend) {
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.conformer = new Conformer(checkpoint, backend);
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
     * closes it (also when loading fails).
     */
    public static SoundStorm load(Path modelDir, Backend backend) {
        Checkpoint checkpoint = null;
        try {
            checkpoint = Checkpoint.open(modelDir);
            return new SoundStorm(checkpoint, backend);
        } catch (RuntimeException e) {
            backend.close();
            if (checkpoint != null) {
                checkpoint.close();
            }
            throw e;
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
    public synchronized AcousticTokens generate(List<Utterance> utterances, GenerationConfig config,
                                                ProgressListener listener) {
        if (closed) {
            throw new IllegalStateException("this SoundStorm model is closed");
        }
        ModelConfig c = config();
        int[] steps = config.steps().forLevels(c.numQuantizers());
        RequestCheck.check(c, utterances);
        int ratio = c.semanticRateRatio();
        int n = utterances.size();
        // per utterance: the whole timeline (prompt then target) at the codec frame rate
        int[][] semantic = new int[n][];
        int[][][] timeline = new int[n][][];
        int[] promptFrames = new int[n];
        WindowPlan[] plans = new WindowPlan[n];
        int windows = 0;
        for (int u = 0; u < n; u++) {
            Utterance utt = utterances.get(u);
            int[] promptSem = utt.hasPrompt() ? utt.promptSemantic() : new int[0];
            int[] sem = utt.semantic();
            semantic[u] = upsample(concat(promptSem, sem), ratio);
            promptFrames[u] = promptSem.length * ratio;
            timeline[u] = new int[semantic[u].length][];
            if (utt.hasPrompt()) {
                System.arraycopy(utt.promptTokens(), 0, timeline[u], 0, promptFrames[u]);
            }
            plans[u] = WindowPlan.of(promptFrames[u], sem.length * ratio, config.windowFrames(), config.windowPromptFrames());
            windows = Math.max(windows, plans[u].count());
        }

        LevelwiseSampler sampler = new LevelwiseSampler(conformer::logits, c.codebookSize());
        int passesTotal = 0;
        for (int w = 0; w < windows; w++) {
            int window = w;
            int[] targets = Arrays.stream(members(plans, w)).map(u -> plans[u].targetFrames(window)).toArray();
            passesTotal += LevelwiseSampler.passes(targets, steps);
        }
        int[] produced = new int[n];
        int[] done = {0};
        int total = passesTotal;
        int windowCount = windows;
        for (int w = 0; w < windows; w++) {
            int[] rows = members(plans, w);
            DecodeBatch batch = window(rows, plans, w, semantic, timeline, promptFrames, produced, c);
            int window = w;
            sampler.decode(batch, steps, config.temperature(), config.topK(), config.choiceTemperature(), config.seed(),
                    (level, iteration) -> listener.onPass(new Progress(window, windowCount, level, iteration, ++done[0], total)));
            for (int r = 0; r < rows.length; r++) {
                int u = rows[r];
                int[][] target = batch.target(r);
                System.arraycopy(target, 0, timeline[u], promptFrames[u] + produced[u], target.length);
                produced[u] += target.length;
            }
        }
        List<int[][]> out = new ArrayList<>();
        for (int u = 0; u < n; u++) {
            out.add(Arrays.copyOfRange(timeline[u], promptFrames[u], timeline[u].length));
        }
        return new AcousticTokens(out);
    }

    /** Utterances that still have a window {@code w}. */
    private static int[] members(WindowPlan[] plans, int w) {
        return java.util.stream.IntStream.range(0, plans.length).filter(u -> plans[u].count() > w).toArray();
    }

    /** Window {@code w}'s batch: per row the prompt (tokens known so far) and the semantic ids. */
    private static DecodeBatch window(int[] rows, WindowPlan[] plans, int w, int[][] semantic, int[][][] timeline,
                                      int[] promptFrames, int[] produced, ModelConfig c) {
        int frames = 0;
        for (int u : rows) {
            frames = Math.max(frames, plans[u].promptFrames(w) + plans[u].targetFrames(w));
        }
        DecodeBatch batch = new DecodeBatch(rows.length, frames, c.numQuantizers(), c.maskId());
        for (int r = 0; r < rows.length; r++) {
            int u = rows[r];
            int start = promptFrames[u] + produced[u];
            int prompt = plans[u].promptFrames(w);
            int[][] promptTokens = Arrays.copyOfRange(timeline[u], start - prompt, start);
            // sequence 0 in every row's random key: an utterance's tokens depend on its inputs, the
            // config and the seed only, not on where it sits in a batch (dynamic batching stays exact)
            batch.setRow(r, Arrays.copyOfRange(semantic[u], start - prompt, start + plans[u].targetFrames(w)),
                    promptTokens, 0, produced[u]);
        }
        return batch;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] upsample(int[] ids, int ratio) {
        int[] out = new int[ids.length * ratio];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids[i / ratio];
        }
        return out;
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
