package org.soundstorm4j.model;

/**
 * How a model's levels line up with its codec's RVQ levels ({@code codec_pairing} in
 * {@code config.json}).
 */
public enum CodecPairing {
    /**
     * The semantic tokens are the codec's level 0 and the model generates levels 1..Q: the public
     * checkpoint over SpeechTokenizer (codec n_q = Q + 1; semantic tokens at the codec's frame rate).
     */
    SEMANTIC_IS_LEVEL_0("semantic_is_level_0"),
    /** Every codec level is acoustic: the model's level q is the codec's level q (the paper over SoundStream). */
    ALL_ACOUSTIC("all_acoustic");

    private final String jsonName;

    CodecPairing(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name used in {@code config.json}. */
    public String jsonName() {
        return jsonName;
    }

    static CodecPairing fromJsonName(String name) {
        for (CodecPairing p : values()) {
            if (p.jsonName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("codec_pairing must be \"semantic_is_level_0\" or \"all_acoustic\", not \""
                + name + "\"");
    }

    /** The codec levels a generation of {@code config} fills: Q, plus level 0 when the semantic tokens are it. */
    public int codecLevels(ModelConfig config) {
        return config.numQuantizers() + (this == SEMANTIC_IS_LEVEL_0 ? 1 : 0);
    }

    /**
     * Refuses a codec whose levels do not line up with {@code config}'s, naming both numbers.
     *
     * @param codecLevels       the codec's RVQ levels (n_q)
     * @param codecCodebookSize the codec's codes per level
     */
    public void check(ModelConfig config, int codecLevels, int codecCodebookSize) {
        int needed = codecLevels(config);
        if (needed > codecLevels) {
            throw new IllegalArgumentException("the model fills " + needed + " codec levels (" + config.numQuantizers()
                    + " acoustic" + (this == SEMANTIC_IS_LEVEL_0 ? " + the semantic tokens as level 0" : "")
                    + ", codec_pairing " + jsonName + ") but the codec has " + codecLevels);
        }
        if (config.codebookSize() != codecCodebookSize) {
            throw new IllegalArgumentException("the model's codebook_size " + config.codebookSize()
                    + " differs from the codec's " + codecCodebookSize);
        }
        if (this == SEMANTIC_IS_LEVEL_0) {
            if (config.semanticRateRatio() != 1) {
                throw new IllegalArgumentException("semantic tokens are the codec's level 0 only at its frame rate, but "
                        + "semantic_rate_ratio is " + config.semanticRateRatio());
            }
            if (config.numSemanticTokens() > codecCodebookSize) {
                throw new IllegalArgumentException("num_semantic_tokens " + config.numSemanticTokens()
                        + " is more than the codec's level-0 codebook of " + codecCodebookSize);
            }
        }
    }
}
