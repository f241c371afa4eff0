package org.soundstorm4j.model;

import static org.soundstorm4j.io.ConfigValues.inRange;
import static org.soundstorm4j.io.ConfigValues.integer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.io.Json;

/**
 * The hyper-parameters of a SoundStorm network, as stored in the {@code config.json} beside its
 * weights (keys in snake_case, as below).
 *
 * <p>Every value has a range (in brackets below, also in {@code weights/README.md}), far beyond
 * any published SoundStorm yet small enough that sizes derived from it cannot overflow an int or
 * ask for absurd work before the weights are read (a {@code depth} of 2^30 would build 2^30
 * layers' tensor names); and no single tensor may exceed 2^31 - 9 elements (32-bit indexing).
 *
 * @param dim                 model width d ({@code dim}) [1, 65536]
 * @param depth               Conformer blocks ({@code depth}) [1, 1024]
 * @param heads               attention heads ({@code heads}) [1, 1024]
 * @param dimHead             features per head; even, for rotary ({@code dim_head}) [2, 4096]
 * @param ffMult              feed-forward expansion ({@code ff_mult}) [1, 64]
 * @param convExpansionFactor conv-module expansion E ({@code conv_expansion_factor}) [1, 64]
 * @param convKernelSize      depthwise kernel K ({@code conv_kernel_size}) [1, 4095]
 * @param numQuantizers       RVQ levels Q ({@code num_quantizers}) [1, 256]
 * @param codebookSize        codes per level C; id C is the mask token ({@code codebook_size}) [2, 2^20]
 * @param numSemanticTokens   semantic vocabulary ({@code num_semantic_tokens}) [1, 2^20]
 * @param semanticRateRatio   codec frames per semantic token ({@code semantic_rate_ratio}) [1, 64]
 * @param logitHead           head layout ({@code logit_head}: "projected" or "dense")
 * @param codecPairing        how the levels line up with the codec's ({@code codec_pairing}, optional:
 *                            "semantic_is_level_0" or, by default, "all_acoustic")
 */
public record ModelConfig(int dim, int depth, int heads, int dimHead, int ffMult, int convExpansionFactor,
                          int convKernelSize, int numQuantizers, int codebookSize, int numSemanticTokens,
                          int semanticRateRatio, LogitHead logitHead, CodecPairing codecPairing) {

    private static final List<String> KEYS = List.of("dim", "depth", "heads", "dim_head", "ff_mult",
            "conv_expansion_factor", "conv_kernel_size", "num_quantizers", "codebook_size",
            "num_semantic_tokens", "semantic_rate_ratio", "logit_head", "codec_pairing");

    /** A config whose levels are all acoustic ({@link CodecPairing#ALL_ACOUSTIC}, the default). */
    public ModelConfig(int dim, int depth, int heads, int dimHead, int ffMult, int convExpansionFactor,
                       int convKernelSize, int numQuantizers, int codebookSize, int numSemanticTokens,
                       int semanticRateRatio, LogitHead logitHead) {
        this(dim, depth, heads, dimHead, ffMult, convExpansionFactor, convKernelSize, numQuantizers, codebookSize,
                numSemanticTokens, semanticRateRatio, logitHead, CodecPairing.ALL_ACOUSTIC);
    }

    /** The most codec frames one utterance may have: the longest Java array. */
    public static final int MAX_FRAMES = Integer.MAX_VALUE - 8;

    public ModelConfig {
        inRange("dim", dim, 1, 1 << 16);
        inRange("depth", depth, 1, 1024);
        inRange("heads", heads, 1, 1024);
        inRange("dim_head", dimHead, 2, 4096);
        if (dimHead % 2 != 0) {
            throw new IllegalArgumentException("dim_head must be even (rotary embedding rotates halves), got " + dimHead);
        }
        inRange("ff_mult", ffMult, 1, 64);
        inRange("conv_expansion_factor", convExpansionFactor, 1, 64);
        inRange("conv_kernel_size", convKernelSize, 1, 4095);
        inRange("num_quantizers", numQuantizers, 1, 256);
        inRange("codebook_size", codebookSize, 2, 1 << 20);
        inRange("num_semantic_tokens", numSemanticTokens, 1, 1 << 20);
        inRange("semantic_rate_ratio", semanticRateRatio, 1, 64);
        if (logitHead == null) {
            throw new IllegalArgumentException("logit_head is required");
        }
        if (codecPairing == null) {
            throw new IllegalArgumentException("codec_pairing is null");
        }
        long widest = Math.max(Math.max((long) dim * Math.max(ffMult, 2L * convExpansionFactor),
                (long) (codebookSize + 1) * numQuantizers * dim), (long) heads * dimHead * dim);
        if (widest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("config too large for 32-bit indexing: " + widest + " elements in one tensor");
        }
    }

    /** The public checkpoint of ZhangXInFD/soundstorm-speechtokenizer (351M parameters). */
    public static ModelConfig publicCheckpoint() {
        return new ModelConfig(1024, 12, 8, 128, 4, 2, 31, 7, 1024, 1024, 1, LogitHead.PROJECTED,
                CodecPairing.SEMANTIC_IS_LEVEL_0);
    }

    /** The paper's configuration (arXiv 2305.09636, section 4): about 350M parameters. */
    public static ModelConfig paper() {
        return new ModelConfig(1024, 12, 16, 64, 4, 2, 5, 12, 1024, 1024, 2, LogitHead.DENSE);
    }

    /** Reads and validates {@code config.json}. */
    public static ModelConfig read(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (IOException e) {
            throw IoErrors.cannotRead("model config " + configJson, e);
        }
        try {
            return fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad model config " + configJson + ": " + e.getMessage(), e);
        }
    }

    /** Parses and validates the JSON text of a {@code config.json}. */
    public static ModelConfig fromJson(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        for (Object key : map.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\" (known: " + String.join(", ", KEYS) + ")");
            }
        }
        Object head = map.get("logit_head");
        if (!(head instanceof String headName)) {
            throw new IllegalArgumentException("logit_head must be a string, got " + head);
        }
        Object pairing = map.containsKey("codec_pairing") ? map.get("codec_pairing") : CodecPairing.ALL_ACOUSTIC.jsonName();
        if (!(pairing instanceof String pairingName)) {
            throw new IllegalArgumentException("codec_pairing must be a string, got " + pairing);
        }
        return new ModelConfig(integer(map, "dim"), integer(map, "depth"), integer(map, "heads"),
                integer(map, "dim_head"), integer(map, "ff_mult"), integer(map, "conv_expansion_factor"),
                integer(map, "conv_kernel_size"), integer(map, "num_quantizers"), integer(map, "codebook_size"),
                integer(map, "num_semantic_tokens"), integer(map, "semantic_rate_ratio"),
                LogitHead.fromJsonName(headName), CodecPairing.fromJsonName(pairingName));
    }

    /** This config as the JSON text of a {@code config.json}. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dim", dim);
        m.put("depth", depth);
        m.put("heads", heads);
        m.put("dim_head", dimHead);
        m.put("ff_mult", ffMult);
        m.put("conv_expansion_factor", convExpansionFactor);
        m.put("conv_kernel_size", convKernelSize);
        m.put("num_quantizers", numQuantizers);
        m.put("codebook_size", codebookSize);
        m.put("num_semantic_tokens", numSemanticTokens);
        m.put("semantic_rate_ratio", semanticRateRatio);
        m.put("logit_head", logitHead.jsonName());
        m.put("codec_pairing", codecPairing.jsonName());
        return Json.write(m);
    }

    /**
     * Codec frames for {@code semanticTokens} semantic ids: {@code semanticTokens * semantic_rate_ratio}.
     *
     * @throws IllegalArgumentException if that is more than {@link #MAX_FRAMES}
     */
    public int frames(long semanticTokens) {
        return frames(semanticTokens, semanticRateRatio);
    }

    /** {@link #frames(long)} for a given ratio: the one place frame counts are multiplied out. */
    public static int frames(long semanticTokens, int semanticRateRatio) {
        // Compared by division, so that the product is formed only once it is known to fit.
        if (semanticTokens < 0 || semanticTokens > MAX_FRAMES / semanticRateRatio) {
            throw new IllegalArgumentException(semanticTokens + " semantic ids x semantic_rate_ratio " + semanticRateRatio
                    + " are more than the " + MAX_FRAMES + " codec frames one utterance may have");
        }
        return (int) (semanticTokens * semanticRateRatio);
    }

    /** The mask token's id at every level: {@code codebookSize}. */
    public int maskId() {
        return codebookSize;
    }

    /** Attention features of all heads: {@code heads * dimHead}. */
    public int innerDim() {
        return heads * dimHead;
    }

    /** Feed-forward hidden width: {@code ffMult * dim}. */
    public int ffDim() {
        return ffMult * dim;
    }

    /** Conv-module width after the GLU: {@code convExpansionFactor * dim}. */
    public int convDim() {
        return convExpansionFactor * dim;
    }

    /** Number of parameters, from the tensor shapes this config implies. */
    public long parameterCount() {
        return TensorNames.expected(this).values().stream()
                .mapToLong(shape -> {
                    long n = 1;
                    for (long s : shape) {
                        n *= s;
                    }
                    return n;
                }).sum();
    }
}
