package org.soundstorm4j.backend;

/**
 * The shape of one multi-head self-attention call: {@code batch} sequences padded to
 * {@code frames} frames, {@code heads} heads of {@code dimHead} features each.
 */
public record AttentionShape(int batch, int frames, int heads, int dimHead) {
    public AttentionShape {
        if (batch < 1 || frames < 1 || heads < 1 || dimHead < 2 || dimHead % 2 != 0) {
            throw new IllegalArgumentException("bad attention shape " + this
                    + ": batch, frames, heads >= 1 and dimHead even (rotary) required");
        }
    }

    /** Rows of the activations: batch * frames. */
    public int rows() {
        return batch * frames;
    }

    /** Features of all heads together: heads * dimHead. */
    public int inner() {
        return heads * dimHead;
    }
}
