package org.soundstorm4j.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weight tensors of a SoundStorm network: the state_dict keys of the public checkpoint
 * (ZhangXInFD/soundstorm-speechtokenizer) and their shapes for a given {@link ModelConfig}.
 */
public final class TensorNames {
    public static final String SEMANTIC_EMBEDDING = "semantic_token_emb.weight";
    public static final String CODE_EMBEDDING = "net.code_embeds.weight";
    public static final String HEADS_WEIGHT = "net.heads.0.weight";
    public static final String HEADS_BIAS = "net.heads.0.bias";
    public static final String HEADS_NORM_WEIGHT = "net.to_logits.0.weight";
    public static final String HEADS_NORM_BIAS = "net.to_logits.0.bias";
    /** Stored {@code [Q, d, C]}: level q's logits are {@code y_q W[q] + b[q]}. */
    public static final String LOGITS_WEIGHT = "net.to_logits.2.weight";
    /** Stored {@code [1, 1, Q, C]}. */
    public static final String LOGITS_BIAS = "net.to_logits.2.bias";

    private TensorNames() {
    }

    /** Prefix of layer {@code i}'s tensors. */
    public static String layer(int i) {
        return "net.conformer.layers." + i + ".";
    }

    /** Every tensor a network of this config has, in load order, with its shape. */
    public static Map<String, long[]> expected(ModelConfig c) {
        long d = c.dim();
        long q = c.numQuantizers();
        long cb = c.codebookSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(SEMANTIC_EMBEDDING, new long[] {c.numSemanticTokens(), d});
        m.put(CODE_EMBEDDING, new long[] {(cb + 1) * q, d});
        for (int i = 0; i < c.depth(); i++) {
            String p = layer(i);
            for (String ff : new String[] {"ff1", "ff2"}) {
                m.put(p + ff + ".fn.norm.weight", new long[] {d});
                m.put(p + ff + ".fn.norm.bias", new long[] {d});
                m.put(p + ff + ".fn.fn.net.0.weight", new long[] {c.ffDim(), d});
                m.put(p + ff + ".fn.fn.net.0.bias", new long[] {c.ffDim()});
                m.put(p + ff + ".fn.fn.net.3.weight", new long[] {d, c.ffDim()});
                m.put(p + ff + ".fn.fn.net.3.bias", new long[] {d});
            }
            m.put(p + "attn.norm.weight", new long[] {d});
            m.put(p + "attn.norm.bias", new long[] {d});
            m.put(p + "attn.fn.to_q.weight", new long[] {c.innerDim(), d});
            m.put(p + "attn.fn.to_kv.weight", new long[] {2L * c.innerDim(), d});
            m.put(p + "attn.fn.to_out.weight", new long[] {d, c.innerDim()});
            m.put(p + "attn.fn.to_out.bias", new long[] {d});
            m.put(p + "conv.net.0.weight", new long[] {d});
            m.put(p + "conv.net.0.bias", new long[] {d});
            m.put(p + "conv.net.2.weight", new long[] {2L * c.convDim(), d, 1});
            m.put(p + "conv.net.2.bias", new long[] {2L * c.convDim()});
            m.put(p + "conv.net.4.conv.weight", new long[] {c.convDim(), 1, c.convKernelSize()});
            m.put(p + "conv.net.4.conv.bias", new long[] {c.convDim()});
            m.put(p + "conv.net.6.gamma", new long[] {1, c.convDim(), 1});
            m.put(p + "conv.net.7.weight", new long[] {d, c.convDim(), 1});
            m.put(p + "conv.net.7.bias", new long[] {d});
            m.put(p + "post_norm.weight", new long[] {d});
            m.put(p + "post_norm.bias", new long[] {d});
        }
        if (c.logitHead() == LogitHead.PROJECTED) {
            m.put(HEADS_WEIGHT, new long[] {d * q, d});
            m.put(HEADS_BIAS, new long[] {d * q});
            m.put(HEADS_NORM_WEIGHT, new long[] {d});
            m.put(HEADS_NORM_BIAS, new long[] {d});
        }
        m.put(LOGITS_WEIGHT, new long[] {q, d, cb});
        m.put(LOGITS_BIAS, new long[] {1, 1, q, cb});
        return m;
    }
}
