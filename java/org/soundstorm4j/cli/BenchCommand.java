package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.backend.ProfilingBackend;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench}: forward-pass time on random tokens, median and spread after warm-up. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time forward passes (one level's logits) on random tokens.")
final class BenchCommand extends OutputCommand {
    @Option(names = "--weights", required = true, description = "Model directory (config.json + model.safetensors).")
    Path weights;

    @Option(names = "--frames", required = true, description = "Frames per sequence.")
    int frames;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences per pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--level", defaultValue = "0", description = "Level whose logits are computed (default: ${DEFAULT-VALUE}).")
    int level;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed passes first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", defaultValue = "7", description = "Timed passes (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = BackendNames.class)
    String backendName;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--profile", description = "Also print the time spent in each op over the timed passes.")
    boolean profile;

    @Override
    public Integer call() {
        if (frames < 1 || batch < 1 || repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("--frames, --batch and --repeats must be >= 1 and --warmup >= 0");
        }
        try (Checkpoint ckpt = Checkpoint.open(weights); Backend backend = profile
                ? new ProfilingBackend(Backends.create(backendName)) : Backends.create(backendName)) {
            ModelConfig c = ckpt.config();
            Conformer model = new Conformer(ckpt, backend);
            Random random = new Random(1234);
            int[] tokens = new int[batch * frames * c.numQuantizers()];
            for (int i = 0; i < tokens.length; i++) {
                int q = i % c.numQuantizers();
                tokens[i] = q < level ? random.nextInt(c.codebookSize()) : c.maskId();
            }
            int[] semantic = random.ints(batch * frames, 0, c.numSemanticTokens()).toArray();
            int[] lengths = new int[batch];
            Arrays.fill(lengths, frames);
            for (int i = 0; i < warmup; i++) {
                model.logits(tokens, semantic, lengths, batch, frames, level);
            }
            if (backend instanceof ProfilingBackend p) {
                p.reset();
            }
            double[] ms = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                model.logits(tokens, semantic, lengths, batch, frames, level);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            double median = repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
            if (json) {
                out().printf(Locale.ROOT, "{\"backend\": \"%s\", \"device\": \"%s\", \"frames\": %d, \"batch\": %d, "
                                + "\"level\": %d, \"repeats\": %d, \"forward_ms_median\": %.3f, \"forward_ms_min\": %.3f, "
                                + "\"forward_ms_max\": %.3f}%n", backend.name(), backend.description().replace("\"", "'"),
                        frames, batch, level, repeats, median, ms[0], ms[repeats - 1]);
            } else {
                out().printf(Locale.ROOT, "%s%nforward, %d x %d frames, level %d: median %.2f ms (min %.2f, max %.2f) "
                                + "over %d passes after %d warm-up%n", backend.description(), batch, frames, level, median,
                        ms[0], ms[repeats - 1], repeats, warmup);
            }
            if (backend instanceof ProfilingBackend p) {
                out().print("time per op over the timed passes:\n" + p.report());
            }
        }
        return 0;
    }
}
