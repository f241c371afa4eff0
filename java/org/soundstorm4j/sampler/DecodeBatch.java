package org.soundstorm4j.sampler;

import java.util.Arrays;

/**
 * The state of one window's decoding: a batch of sequences padded to the same number of frames,
 * each a prompt (frames {@code [0, promptFrames[b])}, never changed) followed by target frames
 * {@code [promptFrames[b], lengths[b])} that start as mask tokens at every level.
 */
public final class DecodeBatch {
    final int batch;
    final int frames;
    final int levels;
    final int maskId;
    /** {@code [batch, frames, levels]}, decoded in place. */
    final int[] tokens;
    /** {@code [batch, frames]} at the codec frame rate. */
    final int[] semantic;
    final int[] lengths;
    final int[] promptFrames;
    /** Index of the random-draw key's sequence field per row (the utterance's index in the request). */
    final int[] sequenceIds;
    /** Output index of each row's first target frame (the draws' position = this + frame offset). */
    final int[] outputOffsets;

    public DecodeBatch(int batch, int frames, int levels, int maskId) {
        this.batch = batch;
        this.frames = frames;
        this.levels = levels;
        this.maskId = maskId;
        this.tokens = new int[batch * frames * levels];
        Arrays.fill(tokens, maskId);
        this.semantic = new int[batch * frames];
        this.lengths = new int[batch];
        this.promptFrames = new int[batch];
        this.sequenceIds = new int[batch];
        this.outputOffsets = new int[batch];
    }

    /**
     * Fills row {@code b}: {@code semantic} holds the row's frames (prompt then target, at the codec
     * frame rate), {@code prompt} the prompt's tokens {@code [frames][levels]}.
     */
    public void setRow(int b, int[] semanticFrames, int[][] prompt, int sequenceId, int outputOffset) {
        if (semanticFrames.length > frames || prompt.length >= semanticFrames.length) {
            throw new IllegalArgumentException("row " + b + ": " + semanticFrames.length + " frames with a prompt of "
                    + prompt.length + " in a batch of " + frames);
        }
        System.arraycopy(semanticFrames, 0, semantic, b * frames, semanticFrames.length);
        for (int t = 0; t < prompt.length; t++) {
            System.arraycopy(prompt[t], 0, tokens, (b * frames + t) * levels, levels);
        }
        lengths[b] = semanticFrames.length;
        promptFrames[b] = prompt.length;
        sequenceIds[b] = sequenceId;
        outputOffsets[b] = outputOffset;
    }

    /** Row {@code b}'s target tokens {@code [frames][levels]}. */
    public int[][] target(int b) {
        int n = lengths[b] - promptFrames[b];
        int[][] out = new int[n][levels];
        for (int t = 0; t < n; t++) {
            System.arraycopy(tokens, (b * frames + promptFrames[b] + t) * levels, out[t], 0, levels);
        }
        return out;
    }

    /** Non-prompt positions per row. */
    int[] targetFrames() {
        int[] n = new int[batch];
        for (int b = 0; b < batch; b++) {
            n[b] = lengths[b] - promptFrames[b];
        }
        return n;
    }
}
