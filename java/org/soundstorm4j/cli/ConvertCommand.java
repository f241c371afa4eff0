package org.soundstorm4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.soundstorm4j.codec.CodecConversion;
import org.soundstorm4j.io.AtomicFiles;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.InferenceOptions;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.model.TensorNames;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code convert}: a PyTorch state_dict (.pt, such as the public SoundStorm_best_dev.pt) to a
 * model directory ({@code config.json} + {@code model.safetensors}) with the config inferred from
 * the tensor shapes. Every tensor is checked against that config before anything is written;
 * each file appears whole or not at all.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a PyTorch .pt state_dict to a model directory (config.json + model.safetensors), "
                + "or with --codec a codec release folder (SpeechTokenizer, EnCodec 24 kHz) to a decoder-only codec folder.")
final class ConvertCommand extends OutputCommand {
    @Option(names = "--in", description = "PyTorch checkpoint written by torch.save (zip format).")
    Path in;

    @Option(names = "--codec", description = "Instead of --in: a codec's release folder (SpeechTokenizer's config.json + "
            + "SpeechTokenizer.pt, or EnCodec's encodec_24khz-*.th); writes its config.json and the decoder's and "
            + "codebooks' tensors.")
    Path codec;

    @Option(names = "--out", required = true, description = "Output model directory (created if missing).")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", description = "Stored precision: f32, bf16 or f16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--heads", defaultValue = "8",
            description = "Attention heads; shapes fix only heads x dim_head (default: ${DEFAULT-VALUE}, the public release).")
    int heads;

    @Option(names = "--semantic-rate-ratio", defaultValue = "1",
            description = "Codec frames per semantic token (default: ${DEFAULT-VALUE}, the public release).")
    int semanticRateRatio;

    @Override
    public Integer call() {
        if ((in == null) == (codec == null)) {
            throw new IllegalArgumentException("give either --in (a SoundStorm .pt) or --codec (a codec release folder)");
        }
        checkCanCreateDirectory(out);
        DType stored = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            default -> throw new IllegalArgumentException("--dtype must be f32, bf16 or f16, got '" + dtype + "'");
        };
        if (codec != null) {
            CodecConversion.Result r = CodecConversion.convert(codec, out, stored);
            out().println("read " + codec);
            for (String note : r.notes()) {
                out().println("  note: " + note);
            }
            out().printf("wrote %s: config.json and %d tensors, %,d parameters, %s%n", out, r.tensors(), r.parameters(),
                    stored.safetensorsName());
            return 0;
        }
        InferenceOptions options = new InferenceOptions(heads, semanticRateRatio);
        try (Checkpoint ckpt = Checkpoint.openTorch(in, options)) {
            ModelConfig c = ckpt.config();
            out().println("read " + in);
            out().printf("  inferred: d %d, depth %d, heads %d x %d (heads from --heads, default 8), ff x%d, conv E %d K %d, Q %d, C %d,"
                    + " semantic vocab %d, semantic rate ratio %d (from --semantic-rate-ratio, default 1), %s logit head%n", c.dim(), c.depth(), c.heads(),
                    c.dimHead(), c.ffMult(), c.convExpansionFactor(), c.convKernelSize(), c.numQuantizers(),
                    c.codebookSize(), c.numSemanticTokens(), c.semanticRateRatio(), c.logitHead().jsonName());
            for (String note : ckpt.notes()) {
                out().println("  note: " + note);
            }
            SafeTensorsWriter writer = new SafeTensorsWriter()
                    .metadata("converted_from", in.getFileName().toString())
                    .metadata("converter", "soundstorm4j convert");
            // The check in openTorch guarantees these are exactly the file's tensors.
            for (String name : TensorNames.expected(c).keySet()) {
                writer.add(ckpt.tensor(name), stored);
            }
            try {
                Files.createDirectories(out);
                writer.write(out.resolve(Checkpoint.WEIGHTS_FILE));
                byte[] json = (c.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
                AtomicFiles.write(out.resolve(Checkpoint.CONFIG_FILE), channel -> {
                    ByteBuffer buf = ByteBuffer.wrap(json);
                    while (buf.hasRemaining()) {
                        channel.write(buf);
                    }
                });
            } catch (IOException e) {
                throw IoErrors.cannotWrite(out, e);
            }
            out().printf("wrote %s: %d tensors, %,d parameters, %s%n", out, TensorNames.expected(c).size(),
                    c.parameterCount(), stored.safetensorsName());
        }
        return 0;
    }
}
