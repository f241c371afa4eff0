package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.backend.ProfilingBackend;
import org.soundstorm4j.backend.cuda.CudaBackend;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench}: forward-pass or whole-generation time on random tokens, median and spread after warm-up. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time forward passes (one level's logits) or, with --generate, whole generations, on random tokens.")
final class BenchCommand extends OutputCommand {
    @Option(names = "--weights", required = true, description = "Model directory (config.json + model.safetensors), or a PyTorch .pt state_dict (config inferred, 8 heads; see convert).")
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

    @Option(names = "--generate", description = "Time whole generations (frames / semantic rate ratio random "
            + "semantic ids per sequence) instead of single forward passes; more than --window frames are generated "
            + "window by window, as generate does.")
    boolean generate;

    @Mixin
    WindowOptions windows;

    @Option(names = "--preset", defaultValue = "paper", description = "With --generate: paper or fast (default: ${DEFAULT-VALUE}).")
    String preset;

    /** Median, min and max of timed runs, in milliseconds. */
    private record Timing(double median, double min, double max) {
        static Timing of(double[] ms) {
            double[] s = ms.clone();
            Arrays.sort(s);
            int n = s.length;
            return new Timing(n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[0], s[n - 1]);
        }
    }

    /** Runs {@code run} {@code --warmup} times untimed, then {@code afterWarmup}, then {@code --repeats} times timed. */
    private Timing time(Runnable run, Runnable afterWarmup) {
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        afterWarmup.run();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return Timing.of(ms);
    }

    @Override
    public Integer call() {
        if (frames < 1 || batch < 1 || repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("--frames, --batch and --repeats must be >= 1 and --warmup >= 0");
        }
        return generate ? benchGeneration() : benchForward();
    }

    private int benchForward() {
        try (Backend backend = profile ? new ProfilingBackend(Backends.create(backendName)) : Backends.create(backendName)) {
            long t0 = System.nanoTime();
            ModelConfig c;
            Conformer model;
            try (Checkpoint ckpt = Checkpoint.open(weights)) {
                c = ckpt.config();
                model = new Conformer(ckpt, backend);
            }
            Load load = new Load((System.nanoTime() - t0) / 1e6, ResidentMemory.now());
            Random random = new Random(1234);
            int[] tokens = new int[batch * frames * c.numQuantizers()];
            for (int i = 0; i < tokens.length; i++) {
                int q = i % c.numQuantizers();
                tokens[i] = q < level ? random.nextInt(c.codebookSize()) : c.maskId();
            }
            int[] semantic = random.ints(batch * frames, 0, c.numSemanticTokens()).toArray();
            int[] lengths = new int[batch];
            Arrays.fill(lengths, frames);
            Timing t = time(() -> model.logits(tokens, semantic, lengths, batch, frames, level), () -> {
                if (backend instanceof ProfilingBackend p) {
                    p.reset();
                }
            });
            if (json) {
                out().printf(Locale.ROOT, "{\"backend\": \"%s\", \"device\": \"%s\", \"frames\": %d, \"batch\": %d, "
                                + "\"level\": %d, \"repeats\": %d, \"forward_ms_median\": %.3f, \"forward_ms_min\": %.3f, "
                                + "\"forward_ms_max\": %.3f%s%s}%n", backend.name(), backend.description().replace("\"", "'"),
                        frames, batch, level, repeats, t.median(), t.min(), t.max(), load.json(ResidentMemory.now()),
                        deviceMemoryJson(backend));
            } else {
                out().printf(Locale.ROOT, "%s%nforward, %d x %d frames, level %d: median %.2f ms (min %.2f, max %.2f) "
                                + "over %d passes after %d warm-up%n", backend.description(), batch, frames, level, t.median(),
                        t.min(), t.max(), repeats, warmup);
                out().print(load.text(ResidentMemory.now()));
                out().print(deviceMemoryText(backend));
            }
            if (backend instanceof ProfilingBackend p) {
                out().printf("time per op over the timed passes:%n%s", p.report());
            }
        }
        return 0;
    }

    private int benchGeneration() {
        GenerationConfig config = GenerationConfig.preset(preset);
        Backend backend = Backends.create(backendName);
        long t0 = System.nanoTime();
        try (SoundStorm model = SoundStorm.load(weights, backend)) {
            Load load = new Load((System.nanoTime() - t0) / 1e6, ResidentMemory.now());
            ModelConfig c = model.config();
            if (frames % c.semanticRateRatio() != 0) {
                throw new IllegalArgumentException("--frames must be a multiple of the semantic rate ratio "
                        + c.semanticRateRatio());
            }
            // the windows generate would use, so that the time is that of a real run of this length
            config = config.withWindow(windows.window, windows.windowPrompt);
            Random random = new Random(1234);
            List<Utterance> utterances = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                utterances.add(Utterance.of(random.ints(frames / c.semanticRateRatio(), 0, c.numSemanticTokens()).toArray()));
            }
            int[] passes = {0};
            int[] windowCount = {0};
            GenerationConfig cfg = config;
            Timing t = time(() -> model.generate(utterances, cfg, p -> {
                passes[0] = p.passesTotal();
                windowCount[0] = p.windows();
            }), () -> { });
            double passesPerSecond = passes[0] / (t.median() / 1000);
            double realTimeFactor = AudioTime.realTimeFactor(t.median() / 1000, (long) batch * frames);
            if (json) {
                out().printf(Locale.ROOT, "{\"backend\": \"%s\", \"device\": \"%s\", \"frames\": %d, \"batch\": %d, "
                                + "\"preset\": \"%s\", \"windows\": %d, \"passes\": %d, \"repeats\": %d, "
                                + "\"generation_ms_median\": %.3f, \"generation_ms_min\": %.3f, \"generation_ms_max\": %.3f, "
                                + "\"passes_per_s\": %.3f, \"audio_s_per_s\": %.3f, \"real_time_factor\": %.4f%s%s}%n",
                        model.backendName(), model.backendDescription().replace("\"", "'"), frames, batch, preset,
                        windowCount[0], passes[0], repeats, t.median(), t.min(), t.max(), passesPerSecond,
                        1 / realTimeFactor, realTimeFactor, load.json(ResidentMemory.now()), deviceMemoryJson(backend));
            } else {
                out().printf(Locale.ROOT, "%s%ngeneration (%s preset, %d passes in %d window%s), %d x %d frames: median %.1f ms "
                                + "(min %.1f, max %.1f) over %d runs after %d warm-up; %.2f passes/s, %.2f s of %.0f Hz audio "
                                + "per second, real-time factor %.4f%n",
                        model.backendDescription(), preset, passes[0], windowCount[0], windowCount[0] == 1 ? "" : "s", batch,
                        frames, t.median(), t.min(), t.max(), repeats, warmup, passesPerSecond, 1 / realTimeFactor,
                        AudioTime.FRAME_RATE_HZ, realTimeFactor);
                out().print(load.text(ResidentMemory.now()));
                out().print(deviceMemoryText(backend));
            }
        }
        return 0;
    }

    /**
     * Load time (open and check the file, upload every weight, unmap the file) and this process's
     * resident memory right after it; printed beside the resident memory after the timed runs.
     */
    private record Load(double ms, ResidentMemory resident) {
        String json(ResidentMemory after) {
            return String.format(Locale.ROOT, ", \"load_ms\": %.1f, \"resident_after_load_bytes\": %d, "
                    + "\"resident_after_runs_bytes\": %d, \"resident_peak_bytes\": %d", ms, resident.residentBytes(),
                    after.residentBytes(), after.peakBytes());
        }

        String text(ResidentMemory after) {
            return String.format(Locale.ROOT, "load %.0f ms; after load: %s; after the timed runs: %s%n", ms,
                    resident.text(), after.text());
        }
    }

    /** ", \"gpu_memory_...\": ..." for the CUDA backend, else nothing. */
    private static String deviceMemoryJson(Backend backend) {
        if (!(backend instanceof CudaBackend cuda)) {
            return "";
        }
        return String.format(Locale.ROOT, ", \"gpu_memory_allocated_bytes\": %d, \"gpu_memory_in_use_bytes\": %d",
                cuda.allocatedBytes(), cuda.deviceMemoryInUse());
    }

    /** A line with the GPU memory held, for the CUDA backend, else nothing. */
    private static String deviceMemoryText(Backend backend) {
        if (!(backend instanceof CudaBackend cuda)) {
            return "";
        }
        return String.format(Locale.ROOT, "GPU memory: %.1f MiB allocated by this backend, %.1f MiB in use on the device%n",
                cuda.allocatedBytes() / 1048576.0, cuda.deviceMemoryInUse() / 1048576.0);
    }
}
