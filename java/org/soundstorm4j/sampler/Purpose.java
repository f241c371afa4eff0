package org.soundstorm4j.sampler;

/**
 * What a random draw is for. The {@link #code() code} is the low byte of Philox counter word c3
 * (see {@link Philox}), so draws for different purposes never share a counter even when every
 * other coordinate is equal. Codes are part of the cross-backend contract (docs/RANDOM.md): never
 * renumber an existing constant, only append.
 */
public enum Purpose {
    /** Gumbel noise added to token logits to sample a token (Gumbel-max trick). */
    TOKEN_GUMBEL(0),
    /** Gumbel noise added to confidences to choose which positions stay masked. */
    CHOICE_GUMBEL(1);

    private final int code;

    Purpose(int code) {
        this.code = code;
    }

    /** The byte written into counter word c3, 0..255. */
    public int code() {
        return code;
    }
}
