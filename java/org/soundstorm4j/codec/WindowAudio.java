package org.soundstorm4j.codec;

import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.ModelConfig;

/**
 * The audio of one utterance's generation, decoded window by window: each window's tokens
 * {@code [frames][Q]} (from a {@code WindowListener} or a {@code GenerationListener}) go to a
 * {@link CodecStream}, with the utterance's semantic ids as level 0 where the model's
 * {@link CodecPairing} says so, and each chunk of final samples goes to the listener as soon as no
 * later window can change it. The samples equal a whole decode of all the tokens. Calls on one
 * codec take turns, so several of these may share a codec across threads.
 */
public final class WindowAudio implements AutoCloseable {
    private final CodecStream stream;
    /** Level 0's ids at the codec's frame rate, or null when the model makes every level. */
    private final int[] levelZero;
    private final int frames;
    private final int hop;

    private WindowAudio(CodecStream stream, int[] levelZero, int frames, int hop) {
        this.stream = stream;
        this.levelZero = levelZero;
        this.frames = frames;
        this.hop = hop;
    }

    /**
     * Opens the decode of an utterance whose target has {@code semantic.length x semantic_rate_ratio}
     * frames.
     *
     * @param semantic the utterance's target semantic ids (its prompt excluded), at the semantic rate
     * @throws IllegalArgumentException if the codec's levels or codebook do not line up with the model's
     */
    public static WindowAudio open(Codec codec, ModelConfig model, int[] semantic, AudioListener listener) {
        model.codecPairing().check(model, codec.config().nQ(), codec.config().codebookSize());
        boolean semanticIsLevel0 = model.codecPairing() == CodecPairing.SEMANTIC_IS_LEVEL_0;
        int frames = model.frames(semantic.length);
        int[] levelZero = null;
        if (semanticIsLevel0) {
            levelZero = new int[frames];
            for (int t = 0; t < frames; t++) {
                levelZero[t] = semantic[t / model.semanticRateRatio()];
            }
        }
        int levels = model.numQuantizers() + (semanticIsLevel0 ? 1 : 0);
        return new WindowAudio(codec.stream(levels, frames, listener), levelZero, frames, codec.config().hop());
    }

    /**
     * Decodes the window of tokens {@code [frames][Q]} that starts at output frame {@code frameOffset}
     * (windows in order, each starting where the last ended).
     */
    public void push(int frameOffset, int[][] tokens) {
        if (frameOffset != stream.pushedFrames()) {
            throw new IllegalArgumentException("a window at frame " + frameOffset + " after " + stream.pushedFrames()
                    + " frames decoded");
        }
        List<int[]> windowLevelZero = levelZero == null ? null
                : List.of(Arrays.copyOfRange(levelZero, frameOffset, Math.min(frames, frameOffset + tokens.length)));
        int[][][] codes = CodecInput.stack(windowLevelZero, List.<int[][]>of(tokens)); // [levels][1][frames]
        int[][] row = new int[codes.length][];
        for (int q = 0; q < codes.length; q++) {
            row[q] = codes[q][0];
        }
        stream.push(row);
    }

    /** Whether every frame is decoded (and so every sample emitted). */
    public boolean isComplete() {
        return stream.isComplete();
    }

    /** Frames decoded so far. */
    public int pushedFrames() {
        return stream.pushedFrames();
    }

    /** Samples of the whole utterance: frames x the codec's hop. */
    public long samples() {
        return (long) frames * hop;
    }

    @Override
    public void close() {
        stream.close();
    }
}
