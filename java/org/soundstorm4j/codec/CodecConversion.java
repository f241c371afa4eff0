package org.soundstorm4j.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.soundstorm4j.io.AtomicFiles;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A codec release folder (SpeechTokenizer's {@code config.json} + {@code SpeechTokenizer.pt}, or
 * EnCodec's {@code encodec_24khz-*.th}, as {@link Codec#load} finds them) to a converted codec
 * folder: the same {@code config.json} (written from the implied config for EnCodec) and a
 * {@code model.safetensors} holding only what decoding needs (the quantizer's codebooks and the
 * decoder, weight norm kept as stored), each file whole or not at all. Every tensor is checked against the config before anything is written.
 */
public final class CodecConversion {
    /** What a conversion wrote: the tensors kept, and what was left out (encoder, training buffers). */
    public record Result(int tensors, long parameters, List<String> notes) {
    }

    private CodecConversion() {
    }

    /**
     * Converts {@code releaseFolder} into {@code outDir} (created if missing), storing tensors as {@code stored}.
     *
     * @throws org.soundstorm4j.weights.WeightsException naming the file and the missing or misshapen tensors
     * @throws IllegalArgumentException naming a config key that is missing or out of range
     */
    public static Result convert(Path releaseFolder, Path outDir, DType stored) {
        CodecRelease release = CodecRelease.findRelease(releaseFolder);
        CodecConfig config = release.config();
        if (release.weights().getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException(releaseFolder + " is already converted; give the release folder or its "
                    + ".pt or .th checkpoint");
        }
        try (TorchCheckpoint pt = TorchCheckpoint.open(release.weights())) {
            List<String> notes = new ArrayList<>(release.notes());
            notes.addAll(CodecWeights.check(config, pt));
            notes.addAll(pt.notes());
            Map<String, long[]> expected = CodecTensors.expected(config);
            SafeTensorsWriter writer = new SafeTensorsWriter()
                    .metadata("converted_from", release.weights().getFileName().toString())
                    .metadata("converter", "soundstorm4j convert --codec");
            long parameters = 0;
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                writer.add(pt.tensor(e.getKey()), stored);
                long n = 1;
                for (long s : e.getValue()) {
                    n *= s;
                }
                parameters += n;
            }
            byte[] configBytes = release.configJson().getBytes(StandardCharsets.UTF_8);
            try {
                Files.createDirectories(outDir);
                writer.write(outDir.resolve("model.safetensors"));
                AtomicFiles.write(outDir.resolve("config.json"), channel -> {
                    ByteBuffer buf = ByteBuffer.wrap(configBytes);
                    while (buf.hasRemaining()) {
                        channel.write(buf);
                    }
                });
            } catch (IOException e) {
                throw IoErrors.cannotWrite(outDir, e);
            }
            return new Result(expected.size(), parameters, List.copyOf(notes));
        }
    }
}
