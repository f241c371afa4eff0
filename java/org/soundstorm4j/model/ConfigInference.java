package org.soundstorm4j.model;

import java.nio.file.Path;
import java.util.Arrays;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.WeightsException;

/**
 * Derives the {@link ModelConfig} of a checkpoint that comes without a {@code config.json} (a
 * PyTorch state_dict of the public checkpoint's family) from its tensor shapes:
 * <ul>
 * <li>d and the semantic vocabulary from {@code semantic_token_emb.weight [S, d]};</li>
 * <li>Q and C from {@code net.to_logits.2.weight [Q, d, C]};</li>
 * <li>depth from the number of {@code net.conformer.layers.<i>} blocks;</li>
 * <li>ff_mult, conv expansion E and kernel K from layer 0's {@code ff1.fn.fn.net.0.weight [ff*d, d]},
 *     {@code conv.net.7.weight [d, E*d, 1]} and {@code conv.net.4.conv.weight [E*d, 1, K]};</li>
 * <li>the head: projected if {@code net.heads.0.weight} exists, else dense;</li>
 * <li>heads x dim_head from {@code to_q.weight [heads*dim_head, d]} split by {@link InferenceOptions#heads()}
 *     (shapes cannot tell 8 x 128 from 16 x 64), and the semantic rate ratio from the options.</li>
 * </ul>
 * The result is then checked against every tensor by {@link Checkpoint} as for any model.
 */
public final class ConfigInference {
    private ConfigInference() {
    }

    /** The config implied by {@code tensors}' shapes and {@code options}. */
    public static ModelConfig infer(NamedTensors tensors, InferenceOptions options) {
        Path file = tensors.path();
        long[] semantic = shape(tensors, TensorNames.SEMANTIC_EMBEDDING, 2);
        int d = toInt(file, semantic[1]);
        int vocab = toInt(file, semantic[0]);
        long[] logits = shape(tensors, TensorNames.LOGITS_WEIGHT, 3);
        int q = toInt(file, logits[0]);
        int c = toInt(file, logits[2]);
        int depth = 0;
        while (tensors.contains(TensorNames.layer(depth) + "post_norm.weight")) {
            depth++;
        }
        if (depth == 0) {
            throw new WeightsException(file + ": no Conformer layers (no tensor " + TensorNames.layer(0)
                    + "post_norm.weight); not a SoundStorm checkpoint of the public layout");
        }
        String l0 = TensorNames.layer(0);
        int ffMult = multiple(file, shape(tensors, l0 + "ff1.fn.fn.net.0.weight", 2)[0], d, "ff1 hidden width");
        int expansion = multiple(file, shape(tensors, l0 + "conv.net.7.weight", 3)[1], d, "conv module width");
        int kernel = toInt(file, shape(tensors, l0 + "conv.net.4.conv.weight", 3)[2]);
        int inner = toInt(file, shape(tensors, l0 + "attn.fn.to_q.weight", 2)[0]);
        int heads = options.heads();
        if (inner % heads != 0 || (inner / heads) % 2 != 0) {
            throw new WeightsException(file + ": attention width " + inner + " (rows of " + l0 + "attn.fn.to_q.weight)"
                    + " does not split into " + heads + " heads of even width; give the number of heads (--heads)");
        }
        LogitHead head = tensors.contains(TensorNames.HEADS_WEIGHT) ? LogitHead.PROJECTED : LogitHead.DENSE;
        try {
            // the public release's semantic tokens are SpeechTokenizer's level 0, at its frame rate
            CodecPairing pairing = options.semanticRateRatio() == 1 ? CodecPairing.SEMANTIC_IS_LEVEL_0
                    : CodecPairing.ALL_ACOUSTIC;
            return new ModelConfig(d, depth, heads, inner / heads, ffMult, expansion, kernel, q, c, vocab,
                    options.semanticRateRatio(), head, pairing);
        } catch (IllegalArgumentException e) {
            throw new WeightsException(file + ": the tensor shapes imply an invalid config: " + e.getMessage(), e);
        }
    }

    private static long[] shape(NamedTensors tensors, String name, int rank) {
        if (!tensors.contains(name)) {
            throw new WeightsException(tensors.path() + ": no tensor " + name + ", needed to infer the config"
                    + " (not a SoundStorm checkpoint of the public layout?)");
        }
        long[] shape = tensors.shape(name);
        if (shape.length != rank) {
            throw new WeightsException(tensors.path() + ": tensor " + name + " has shape " + Arrays.toString(shape)
                    + "; expected " + rank + " dimensions");
        }
        return shape;
    }

    private static int multiple(Path file, long width, int d, String what) {
        if (width % d != 0) {
            throw new WeightsException(file + ": " + what + " " + width + " is not a multiple of d = " + d);
        }
        return toInt(file, width / d);
    }

    private static int toInt(Path file, long v) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new WeightsException(file + ": dimension " + v + " is out of range");
        }
        return (int) v;
    }
}
