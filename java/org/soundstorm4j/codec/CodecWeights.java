package org.soundstorm4j.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.TensorCheck;
import org.soundstorm4j.weights.WeightsException;

/**
 * Checks a codec's tensors against its {@link CodecConfig} and reads them for upload: the
 * weight norm folded once, on the host, in double.
 */
final class CodecWeights {
    /** Training-only buffers of the quantizer's codebooks (k-means init and EMA statistics). */
    private static final Pattern CODEBOOK_BUFFER =
            Pattern.compile("quantizer\\.vq\\.layers\\.\\d+\\._codebook\\.(inited|cluster_size|embed_avg)");

    private CodecWeights() {
    }

    /**
     * Throws one {@link WeightsException} listing (first 12) every tensor of the decode path that
     * is missing or misshapen and every unexpected {@code decoder.*} or {@code quantizer.*}
     * tensor; returns notes on the tensors the decode does not use (the encoder, the semantic
     * projection {@code transform.*}, the codebooks' training buffers), which a decoder-only file may omit.
     */
    static List<String> check(CodecConfig config, NamedTensors tensors) {
        Map<String, long[]> expected = CodecTensors.expected(config);
        List<String> problems = TensorCheck.problems(expected, tensors);
        int encoder = 0;
        int transform = 0;
        int buffers = 0;
        int other = 0;
        for (String name : tensors.names()) {
            if (expected.containsKey(name)) {
                continue;
            }
            if (name.startsWith("encoder.")) {
                encoder++;
            } else if (name.startsWith("transform.")) {
                transform++;
            } else if (CODEBOOK_BUFFER.matcher(name).matches()) {
                buffers++;
            } else if (name.startsWith("decoder.") || name.startsWith("quantizer.")) {
                problems.add("unexpected tensor " + name);
            } else {
                other++;
            }
        }
        TensorCheck.failIfAny(tensors.path(), "codec config (" + config + ")", problems);
        List<String> notes = new ArrayList<>();
        if (encoder + transform + buffers + other > 0) {
            notes.add("unused by the decoder: " + encoder + " encoder.* tensors, " + transform + " transform.* tensors, "
                    + buffers + " codebook training buffers (inited, cluster_size, embed_avg)"
                    + (other > 0 ? ", " + other + " other tensors" : ""));
        }
        return notes;
    }

    /** A tensor as floats. */
    static float[] floats(NamedTensors tensors, String name) {
        return tensors.tensor(name).toFloats();
    }

    /**
     * The effective weight of a weight-normed conv (old {@code torch.nn.utils.weight_norm}, dim 0):
     * {@code w[i, ...] = g[i] v[i, ...] / ||v[i, ...]||}, the L2 norm over every dim but 0, no
     * epsilon, computed in double and rounded once. For a conv v is {@code [out, in, k]}; for a
     * transposed conv {@code [in, out, k]} (normalised per input channel). Same layout as v.
     */
    static float[] weightNorm(NamedTensors tensors, String prefix) {
        float[] v = floats(tensors, prefix + ".weight_v");
        float[] g = floats(tensors, prefix + ".weight_g");
        int per = v.length / g.length;
        float[] w = new float[v.length];
        for (int i = 0; i < g.length; i++) {
            double sq = 0;
            for (int j = 0; j < per; j++) {
                double x = v[i * per + j];
                sq += x * x;
            }
            double scale = g[i] / Math.sqrt(sq);
            for (int j = 0; j < per; j++) {
                w[i * per + j] = (float) (scale * v[i * per + j]);
            }
        }
        return w;
    }
}
