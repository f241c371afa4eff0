package org.soundstorm4j.backend;

/**
 * The layout of a batch being decoded, on the device: {@code batch} rows padded to {@code frames}
 * frames, each a prompt (frames {@code [0, promptFrames[b])}) followed by target frames up to
 * {@code lengths[b]}.
 *
 * @param lengths       {@code [batch]} valid frames per row
 * @param promptFrames  {@code [batch]} prompt frames per row
 * @param outputOffsets {@code [batch]} index in the generated output of each row's first target
 *                      frame: the random draws' position is this plus the frame's offset
 * @param sequenceIds   {@code [batch]} the random key's sequence field per row
 * @param seed          {@code [2]} the random key's seed: low 32 bits, then high 32 bits
 */
public record DecodeLayout(int batch, int frames, int levels, int codebookSize, IntTensor lengths,
                           IntTensor promptFrames, IntTensor outputOffsets, IntTensor sequenceIds, IntTensor seed) {

    /** The two ints {@link #seed} holds for a 64-bit seed. */
    public static int[] seedWords(long seed) {
        return new int[] {(int) seed, (int) (seed >>> 32)};
    }

    /** The mask token's id: {@code codebookSize}. */
    public int maskId() {
        return codebookSize;
    }
}
