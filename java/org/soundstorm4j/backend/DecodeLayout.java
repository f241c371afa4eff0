package org.soundstorm4j.backend;

/**
 * The layout of a batch being decoded, on the device: {@code batch} rows padded to {@code frames}
 * frames, each a prompt (frames {@code [0, promptFrames[b])}) followed by target frames up to
 * {@code lengths[b]}. The buffers may be larger than the batch needs (a workspace of some
 * capacity); the ops read the first {@code batch} entries.
 *
 * @param lengths       {@code [batch]} valid frames per row
 * @param promptFrames  {@code [batch]} prompt frames per row
 * @param outputOffsets {@code [batch]} index in the generated output of each row's first target
 *                      frame: the random draws' position is this plus the frame's offset
 * @param sequenceIds   {@code [batch]} the random key's sequence field per row
 */
public record DecodeLayout(int batch, int frames, int levels, int codebookSize, IntTensor lengths,
                           IntTensor promptFrames, IntTensor outputOffsets, IntTensor sequenceIds) {

    /** The mask token's id: {@code codebookSize}. */
    public int maskId() {
        return codebookSize;
    }
}
