package org.soundstorm4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.soundstorm4j.AcousticTokens;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.ProgressListener;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.StepPlan;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.WindowListener;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.model.ModelConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code generate}: acoustic tokens from semantic tokens with the paper's decoder. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate acoustic tokens [batch, frames, Q] (int64 .npy) from semantic tokens.")
final class GenerateCommand extends OutputCommand {
    @Option(names = "--weights", required = true, description = "Model directory (config.json + model.safetensors), or a PyTorch .pt state_dict (config inferred, 8 heads; see convert).")
    Path weights;

    @Option(names = "--semantic", required = true, description = "Semantic ids at the semantic rate: int32/int64 .npy "
            + "[batch, n] or [n], or a text file of whitespace-separated ids (one utterance).")
    Path semantic;

    @Option(names = "--prompt-semantic", description = "Prompt's semantic ids, .npy [n] or [batch, n] (or text).")
    Path promptSemantic;

    @Option(names = "--prompt-acoustic", description = "Prompt's acoustic ids, .npy [frames, Q] or [batch, frames, Q].")
    Path promptAcoustic;

    @ArgGroup(exclusive = true)
    Schedule schedule;

    static final class Schedule {
        @Option(names = "--steps", split = ",", description = "Iterations per level, one per level, e.g. 16,1,1,1.")
        int[] steps;

        @Option(names = "--preset", description = "paper (16 on the first level, 1 on the others; default) or fast "
                + "(one greedy pass per level).")
        String preset;
    }

    @Option(names = "--temperature", defaultValue = "1.0", description = "Token temperature of a level's first iteration, "
            + "annealed to 0 (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens; 0 = all (default).")
    int topK;

    @Option(names = "--choice-temperature", defaultValue = "4.5",
            description = "Gumbel noise on confidences, annealed (default: ${DEFAULT-VALUE}).")
    float choiceTemperature;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    WindowOptions windows;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = BackendNames.class)
    String backendName;

    @Option(names = "--out", description = "Output .npy: int64 [batch, frames, Q] (required unless --wav is given).")
    Path out;

    @Option(names = "--codec", description = "Codec folder (SpeechTokenizer's or EnCodec's release, or converted): decode the "
            + "tokens to audio for --wav; its levels must line up with the model's (config.json's codec_pairing).")
    Path codec;

    @Option(names = "--wav", description = "WAV output (16-bit PCM, mono, the codec's rate); W-<row>.wav per utterance "
            + "when there are several. Needs --codec.")
    Path wav;

    @Option(names = "--truth", description = "True tokens .npy [batch, frames, Q] (or [frames, Q] for one utterance): "
            + "prints the accuracy per level of the output against them.")
    Path truth;

    @Override
    public Integer call() {
        if (out == null && wav == null) {
            throw new IllegalArgumentException("give --out (tokens), --wav (audio, with --codec), or both");
        }
        if ((codec == null) != (wav == null)) {
            throw new IllegalArgumentException("--codec and --wav go together");
        }
        if (out != null) {
            checkCanWrite(out);
        }
        GenerationConfig config = config();
        List<int[]> semantics = InputFiles.ids(semantic, "--semantic");
        List<Utterance> utterances = new ArrayList<>();
        List<int[]> promptSem = promptSemantic == null ? null : InputFiles.ids(promptSemantic, "--prompt-semantic");
        List<int[][]> promptAc = promptAcoustic == null ? null : InputFiles.frames(promptAcoustic, "--prompt-acoustic");
        if ((promptSem == null) != (promptAc == null)) {
            throw new IllegalArgumentException("--prompt-semantic and --prompt-acoustic go together");
        }
        for (int b = 0; b < semantics.size(); b++) {
            Utterance u = Utterance.of(semantics.get(b));
            if (promptSem != null) {
                u = u.withPrompt(pick(promptSem, b, "--prompt-semantic"), pick(promptAc, b, "--prompt-acoustic"));
            }
            utterances.add(u);
        }
        IntArray truthTokens = truth == null ? null : Npy.readInts(truth);
        List<Path> wavs = wav == null ? List.of() : DecodeCommand.wavFiles(wav, semantics.size());
        wavs.forEach(OutputCommand::checkCanWrite);
        try (SoundStorm model = SoundStorm.load(weights, backendName);
             Codec audioCodec = codec == null ? null : Codec.load(codec, Backends.create(backendName))) {
            if (audioCodec != null) {       // refuse a codec that does not fit the model before the work
                model.config().codecPairing().check(model.config(), audioCodec.config().nQ(),
                        audioCodec.config().codebookSize());
            }
            if (truthTokens != null) {      // refuse a truth of the wrong shape before the work
                checkTruthShape(truthTokens, truth, semantics.size(),
                        model.config().frames(semantics.get(0).length), model.config().numQuantizers());
            }
            long t0 = System.nanoTime();
            ProgressBar bar = System.console() != null
                    ? new ProgressBar(System.err, config.steps().forLevels(model.config().numQuantizers()), t0) : null;
            // forward passes as the engine counts them: the utterances share them
            long passesBefore = model.engine().metrics().passes();
            ProgressListener listener = p -> {
                if (bar != null) {
                    bar.show(p);
                }
            };
            StreamedAudio audio = audioCodec == null ? null
                    : StreamedAudio.open(audioCodec, model.config(), semantics);
            AcousticTokens tokens;
            try {
                tokens = model.generate(utterances, config, listener,
                        audio == null ? WindowListener.NONE : audio::onWindow);
            } finally {
                if (audio != null) {
                    audio.close();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long passes = model.engine().metrics().passes() - passesBefore;
            if (bar != null) {
                bar.finish();
            }
            int levels = model.config().numQuantizers();
            int frames = tokens.frames(0);
            int[] flat = new int[tokens.batch() * frames * levels];
            for (int b = 0; b < tokens.batch(); b++) {
                int[][] seq = tokens.sequence(b);
                for (int t = 0; t < frames; t++) {
                    System.arraycopy(seq[t], 0, flat, (b * frames + t) * levels, levels);
                }
            }
            if (out != null) {
                Npy.writeLongs(out, new int[] {tokens.batch(), frames, levels}, flat);
            }
            out().printf(Locale.ROOT, "%s: tokens [%d, %d, %d] int64, %d forward passes in %.2f s (%.1f passes/s, %s)%n",
                    out != null ? "wrote " + out : "generated", tokens.batch(), frames, levels, passes, seconds,
                    passes / seconds, model.backendDescription());
            if (audio != null) {
                audio.write(wavs, audioCodec.config().sampleRate());
                out().printf(Locale.ROOT, "wrote %s: %d Hz audio, decoded window by window in %.2f s of the %.2f s%n",
                        String.join(", ", wavs.stream().map(Path::toString).toList()),
                        audioCodec.config().sampleRate(), audio.decodeSeconds(), seconds);
            }
            if (truthTokens != null) {
                double[] acc = accuracyPerLevel(truthTokens, truth, tokens.batch(), frames, levels, flat);
                StringBuilder line = new StringBuilder("accuracy per level vs truth:");
                for (double a : acc) {
                    line.append(String.format(Locale.ROOT, " %.2f", a));
                }
                out().println(line.append(" (").append(out).append(" vs ").append(truth).append(")"));
            }
            out().println(AudioTime.closingLine(tokens.batch(), frames, seconds,
                    audioCodec == null ? AudioTime.FRAME_RATE_HZ : audioCodec.config().frameRate()));
        }
        return 0;
    }

    private GenerationConfig config() {
        GenerationConfig c = GenerationConfig.paper();
        if (schedule != null && schedule.steps != null) {
            c = c.withSteps(StepPlan.explicit(schedule.steps));
        } else if (schedule != null && schedule.preset != null) {
            c = GenerationConfig.preset(schedule.preset);
        }
        return c.withTemperature(temperature).withTopK(topK).withChoiceTemperature(choiceTemperature).withSeed(seed)
                .withWindow(windows.window, windows.windowPrompt);
    }

    /**
     * Fraction of tokens equal to the truth's, per level, over all utterances and frames.
     *
     * @throws IllegalArgumentException when the truth's shape is not the output's
     */
    static double[] accuracyPerLevel(IntArray truthTokens, Path file, int batch, int frames, int levels, int[] flat) {
        checkTruthShape(truthTokens, file, batch, frames, levels);
        int[] t = truthTokens.data();
        long[] hits = new long[levels];
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] == t[i]) {
                hits[i % levels]++;
            }
        }
        double[] acc = new double[levels];
        for (int q = 0; q < levels; q++) {
            acc[q] = hits[q] / (double) (batch * frames);
        }
        return acc;
    }

    private static void checkTruthShape(IntArray truthTokens, Path file, int batch, int frames, int levels) {
        int[] want = {batch, frames, levels};
        int[] shape = truthTokens.rank() == 2 ? new int[] {1, truthTokens.dim(0), truthTokens.dim(1)} : truthTokens.shape();
        if (!Arrays.equals(shape, want)) {
            throw new IllegalArgumentException("--truth " + file + ": shape " + Arrays.toString(truthTokens.shape())
                    + " does not match the output's [batch, frames, Q] = " + Arrays.toString(want));
        }
    }

    /** Utterance b's entry, or the only one for every utterance. */
    private static <T> T pick(List<T> list, int b, String option) {
        if (list.size() == 1) {
            return list.get(0);
        }
        if (b >= list.size()) {
            throw new IllegalArgumentException(option + " has " + list.size() + " entries, fewer than the utterances");
        }
        return list.get(b);
    }

    /** A {@link ProgressLine} on a terminal's stderr, rewritten in place after every pass. */
    private static final class ProgressBar {
        private final PrintStream err;
        private final int[] iterations;
        private final long startNanos;
        private int lastLength;

        ProgressBar(PrintStream err, int[] iterations, long startNanos) {
            this.err = err;
            this.iterations = iterations;
            this.startNanos = startNanos;
        }

        void show(org.soundstorm4j.Progress p) {
            String line = ProgressLine.format(p, iterations, (System.nanoTime() - startNanos) / 1e9);
            // blanks over the end of a longer previous line
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            err.flush();
        }

        void finish() {
            err.println();
        }
    }
}
