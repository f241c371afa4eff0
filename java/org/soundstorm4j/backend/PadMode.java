package org.soundstorm4j.backend;

/** How {@link Backend#im2col} fills the frames a conv reads beyond either end of a sequence. */
public enum PadMode {
    /** Frames outside the sequence read as 0. */
    ZERO,
    /**
     * PyTorch's {@code F.pad(mode="reflect")}: frame -1 reads frame 1, frame {@code len} reads
     * {@code len - 2} (the edge is not repeated), with SpeechTokenizer's rule for a sequence not
     * longer than the larger pad: it is first extended with zeros to {@code max(pads) + 1} frames,
     * reflected, and the appended count cut off the right end again (so T = 1, pad 3 gives
     * {@code [0, 0, 0, x0, 0, 0, 0]}).
     */
    REFLECT
}
