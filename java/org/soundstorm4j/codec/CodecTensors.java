package org.soundstorm4j.codec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SpeechTokenizer's state_dict keys of the decode path and the shapes a {@link CodecConfig}
 * implies. The decoder is {@code decoder.model.{j}}: j = 0 the first conv, 1 the LSTM, then per
 * stage s the ELU at {@code 2 + s (2 + n_residual_layers)}, the transposed conv after it and the
 * residual blocks, then the last ELU and the last conv. Every conv is weight-normed
 * ({@code .weight_g}, {@code .weight_v}, {@code .bias}).
 */
final class CodecTensors {
    static final String DECODER = "decoder.model.";

    private CodecTensors() {
    }

    static String codebook(int level) {
        return "quantizer.vq.layers." + level + "._codebook.embed";
    }

    static String firstConv() {
        return DECODER + "0.conv.conv";
    }

    static String lstm(String what, int layer) {
        return DECODER + "1.lstm." + what + "_l" + layer;
    }

    private static int stageStart(CodecConfig c, int stage) {
        return 2 + stage * (2 + c.nResidualLayers());
    }

    static String transposedConv(CodecConfig c, int stage) {
        return DECODER + (stageStart(c, stage) + 1) + ".convtr.convtr";
    }

    /** {@code part} 1 is the residual conv (kernel residual_kernel_size), 3 the 1x1 conv after it. */
    static String residual(CodecConfig c, int stage, int layer, int part) {
        return DECODER + (stageStart(c, stage) + 2 + layer) + ".block." + part + ".conv.conv";
    }

    static String shortcut(CodecConfig c, int stage, int layer) {
        return DECODER + (stageStart(c, stage) + 2 + layer) + ".shortcut.conv.conv";
    }

    static String lastConv(CodecConfig c) {
        return DECODER + (stageStart(c, c.stages()) + 1) + ".conv.conv";
    }

    /** Every tensor the decode reads, in load order, with its shape. */
    static Map<String, long[]> expected(CodecConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int q = 0; q < c.nQ(); q++) {
            m.put(codebook(q), new long[] {c.codebookSize(), c.dimension()});
        }
        int h = c.lstmWidth();
        conv(m, firstConv(), c.dimension(), h, CodecConfig.KERNEL);
        for (int l = 0; l < c.lstmLayers(); l++) {
            m.put(lstm("weight_ih", l), new long[] {4L * h, h});
            m.put(lstm("weight_hh", l), new long[] {4L * h, h});
            m.put(lstm("bias_ih", l), new long[] {4L * h});
            m.put(lstm("bias_hh", l), new long[] {4L * h});
        }
        for (int s = 0; s < c.stages(); s++) {
            int cin = c.stageChannels(s);
            int cout = cin / 2;
            String t = transposedConv(c, s);
            m.put(t + ".bias", new long[] {cout});
            m.put(t + ".weight_g", new long[] {cin, 1, 1});
            m.put(t + ".weight_v", new long[] {cin, cout, 2L * c.stride(s)});
            for (int j = 0; j < c.nResidualLayers(); j++) {
                conv(m, residual(c, s, j, 1), cout, cout / 2, c.residualKernelSize());
                conv(m, residual(c, s, j, 3), cout / 2, cout, 1);
                conv(m, shortcut(c, s, j), cout, cout, 1);
            }
        }
        conv(m, lastConv(c), c.nFilters(), 1, CodecConfig.KERNEL);
        return m;
    }

    private static void conv(Map<String, long[]> m, String prefix, int cin, int cout, int kernel) {
        m.put(prefix + ".bias", new long[] {cout});
        m.put(prefix + ".weight_g", new long[] {cout, 1, 1});
        m.put(prefix + ".weight_v", new long[] {cout, cin, kernel});
    }
}
