package org.soundstorm4j.codec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.weights.WeightsException;

/**
 * Where a codec's files are: its weights and its config, found the one way both {@link Codec#load}
 * and {@link CodecConversion} look for them.
 *
 * @param weights    the checkpoint: {@code model.safetensors}, {@code SpeechTokenizer.pt}, or a folder's
 *                   one {@code .pt} or {@code .th} file (EnCodec's releases are {@code .th}), or the file given
 * @param config     from the folder's {@code config.json}, or EnCodec's 24 kHz config for its release
 *                   ({@code encodec_24khz-*.th}), which ships without one
 * @param configJson the config as JSON text: the file's own, or {@link CodecConfig#toJson} where there is none
 * @param notes      what the reader noticed (config keys the decoder does not use, a config implied by the file name)
 */
record CodecRelease(Path weights, CodecConfig config, String configJson, List<String> notes) {

    /** The file name EnCodec's 24 kHz checkpoint starts with ({@code encodec_24khz-d7cc33bc.th}). */
    static final String ENCODEC_24KHZ = "encodec_24khz";
    /** The file name of EnCodec's 48 kHz checkpoint, which this decoder cannot run. */
    static final String ENCODEC_48KHZ = "encodec_48khz";

    /**
     * Finds the weights and config of a codec folder, or of a checkpoint file (its folder's config).
     *
     * @throws WeightsException          naming the folder when no checkpoint, or more than one, is there
     * @throws IllegalArgumentException  naming the config file and key that is missing or wrong
     */
    static CodecRelease find(Path folderOrFile) {
        return find(folderOrFile, true);
    }

    /**
     * {@link #find}, for {@code convert --codec}: a folder's release checkpoint ({@code .pt} or
     * {@code .th}) even where a converted {@code model.safetensors} lies beside it.
     */
    static CodecRelease findRelease(Path folderOrFile) {
        return find(folderOrFile, false);
    }

    private static CodecRelease find(Path folderOrFile, boolean converted) {
        Path folder = Files.isDirectory(folderOrFile) ? folderOrFile : folderOrFile.toAbsolutePath().getParent();
        Path weights = Files.isDirectory(folderOrFile) ? weightsIn(folder, converted) : folderOrFile;
        Path json = folder.resolve("config.json");
        List<String> notes = new ArrayList<>();
        if (weights.getFileName().toString().startsWith(ENCODEC_48KHZ)) {
            throw new IllegalArgumentException(weights + ": EnCodec's 48 kHz model is not supported (stereo, group norm "
                    + "in every conv, decoded in overlapping 1 s segments with a scale each); its 24 kHz model is");
        }
        if (!Files.exists(json) && weights.getFileName().toString().startsWith(ENCODEC_24KHZ)) {
            CodecConfig config = CodecConfig.encodec24khz();
            notes.add("no config.json: " + weights.getFileName() + " decoded as EnCodec's 24 kHz model (" + config + ")");
            return new CodecRelease(weights, config, config.toJson(), List.copyOf(notes));
        }
        CodecConfig.File file = CodecConfig.readFile(json);
        List<String> ignored = CodecConfig.ignoredKeys(file.json());
        if (!ignored.isEmpty()) {
            notes.add("config keys not used by the decoder: " + String.join(", ", ignored));
        }
        return new CodecRelease(weights, file.config(), file.json(), List.copyOf(notes));
    }

    private static Path weightsIn(Path folder, boolean converted) {
        if (converted && Files.isRegularFile(folder.resolve("model.safetensors"))) {
            return folder.resolve("model.safetensors");
        }
        if (Files.isRegularFile(folder.resolve("SpeechTokenizer.pt"))) {
            return folder.resolve("SpeechTokenizer.pt");
        }
        List<Path> checkpoints = new ArrayList<>();
        try (var files = Files.list(folder)) {
            files.filter(f -> Files.isRegularFile(f) && (f.toString().endsWith(".pt") || f.toString().endsWith(".th")))
                    .sorted()
                    .forEach(checkpoints::add);
        } catch (IOException e) {
            throw new WeightsException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        if (checkpoints.size() == 1) {
            return checkpoints.get(0);
        }
        throw new WeightsException(folder + (checkpoints.isEmpty()
                ? (converted ? " holds neither model.safetensors nor SpeechTokenizer.pt nor another .pt or .th checkpoint"
                        : " holds no .pt or .th checkpoint to convert")
                : " holds several checkpoints " + checkpoints.stream().map(f -> f.getFileName().toString()).toList()
                        + ": name one"));
    }
}
