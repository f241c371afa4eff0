package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.CodecInput;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.io.Wav;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code decode}: a codec's RVQ tokens to a waveform, in Java on any backend. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode RVQ tokens to audio with a codec (SpeechTokenizer, EnCodec 24 kHz): float32 .npy [batch, samples] or WAV.")
final class DecodeCommand extends OutputCommand {
    @Option(names = "--codec", required = true,
            description = "Codec folder: SpeechTokenizer's release (config.json + SpeechTokenizer.pt), EnCodec's "
                    + "(encodec_24khz-*.th, or any .th/.pt beside a config.json), or a converted one (config.json + "
                    + "model.safetensors).")
    Path codec;

    @Option(names = "--tokens", required = true,
            description = "int32/int64 .npy [batch, frames, L] (2-D: batch 1): the codec's levels 0..L-1, or 1..L with --semantic.")
    Path tokens;

    @Option(names = "--semantic",
            description = "int32/int64 .npy [batch, frames] (1-D: batch 1): the codec's level 0 (SoundStorm's semantic tokens in the public pairing).")
    Path semantic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Output output;

    static final class Output {
        @Option(names = "--out", required = true, description = "float32 .npy [batch, samples].")
        Path npy;

        @Option(names = "--wav", required = true,
                description = "WAV file (16-bit PCM, mono, the codec's rate); W-<row>.wav per row when the batch has more than one.")
        Path wav;
    }

    @Option(names = "--float-wav", description = "Write 32-bit float WAV instead of 16-bit PCM.")
    boolean floatWav;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = BackendNames.class)
    String backendName;

    @Override
    public Integer call() {
        List<int[][]> rows = InputFiles.frames(tokens, "--tokens");
        List<int[]> levelZero = semantic == null ? null : InputFiles.ids(semantic, "--semantic");
        int[][][] codes = CodecInput.stack(levelZero, rows);
        List<Path> wavs = output.wav == null ? List.of() : wavFiles(output.wav, rows.size());
        if (output.npy != null) {
            checkCanWrite(output.npy);
        }
        wavs.forEach(OutputCommand::checkCanWrite);

        long start = System.nanoTime();
        float[][] audio;
        int sampleRate;
        try (Codec model = Codec.load(codec, Backends.create(backendName))) {
            sampleRate = model.config().sampleRate();
            audio = model.decode(codes);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (output.npy != null) {
            writeNpy(output.npy, audio);
        }
        for (int b = 0; b < wavs.size(); b++) {
            Wav.write(wavs.get(b), audio[b], sampleRate, floatWav ? Wav.Encoding.FLOAT_32 : Wav.Encoding.PCM_16);
        }
        double audioSeconds = 0;
        for (float[] row : audio) {
            audioSeconds += (double) row.length / sampleRate;
        }
        String written = output.npy != null ? output.npy.toString()
                : String.join(", ", wavs.stream().map(Path::toString).toList());
        out().printf(Locale.ROOT, "wrote %s: %d row%s, %d level%s, %.2f s of %d Hz audio decoded in %.2f s "
                        + "(real-time factor %.3f)%n", written, audio.length, audio.length == 1 ? "" : "s", codes.length,
                codes.length == 1 ? "" : "s", audioSeconds, sampleRate, seconds, seconds / audioSeconds);
        return 0;
    }

    /** W.wav for one row; W-0.wav, W-1.wav, ... for more. */
    static List<Path> wavFiles(Path wav, int rows) {
        if (rows == 1) {
            return List.of(wav);
        }
        String name = wav.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".wav";
        List<Path> files = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            files.add(wav.resolveSibling(stem + "-" + b + ext));
        }
        return files;
    }

    /** float32 [batch, samples]: every row has the same length (Codec.decode decodes rows of equal frames). */
    private static void writeNpy(Path file, float[][] audio) {
        int samples = audio[0].length;
        float[] flat = new float[audio.length * samples];
        for (int b = 0; b < audio.length; b++) {
            System.arraycopy(audio[b], 0, flat, b * samples, samples);
        }
        Npy.writeFloats(file, new int[] {audio.length, samples}, flat);
    }
}
