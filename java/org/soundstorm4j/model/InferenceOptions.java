package org.soundstorm4j.model;

/**
 * What a checkpoint's tensor shapes cannot tell, for {@link ConfigInference}: the shapes fix
 * {@code heads * dim_head} but not the split, and say nothing of the semantic token rate.
 *
 * @param heads             attention heads; dim_head = (to_q rows) / heads
 * @param semanticRateRatio codec frames per semantic token
 */
public record InferenceOptions(int heads, int semanticRateRatio) {
    public InferenceOptions {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
        if (semanticRateRatio < 1) {
            throw new IllegalArgumentException("semantic rate ratio must be >= 1, got " + semanticRateRatio);
        }
    }

    /** The public release (fnlp/USLM SoundStorm_LibriSpeech): 8 heads, semantic tokens at the codec's 50 Hz. */
    public static InferenceOptions publicRelease() {
        return new InferenceOptions(8, 1);
    }

    public InferenceOptions withHeads(int heads) {
        return new InferenceOptions(heads, semanticRateRatio);
    }

    public InferenceOptions withSemanticRateRatio(int ratio) {
        return new InferenceOptions(heads, ratio);
    }
}
