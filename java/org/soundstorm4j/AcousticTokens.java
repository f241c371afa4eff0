package org.soundstorm4j;

import java.util.List;

/**
 * What {@link SoundStorm#generate} returns: per utterance of the request, its generated acoustic
 * tokens {@code [frames][levels]} (the prompt excluded), frames = semantic length x
 * {@code semantic_rate_ratio}.
 */
public final class AcousticTokens {
    private final List<int[][]> sequences;

    AcousticTokens(List<int[][]> sequences) {
        this.sequences = List.copyOf(sequences);
    }

    /** Utterances in the request. */
    public int batch() {
        return sequences.size();
    }

    /** Utterance {@code i}'s tokens {@code [frames][levels]} (a copy). */
    public int[][] sequence(int i) {
        int[][] s = sequences.get(i);
        int[][] copy = new int[s.length][];
        for (int t = 0; t < s.length; t++) {
            copy[t] = s[t].clone();
        }
        return copy;
    }

    /** Frames generated for utterance {@code i}. */
    public int frames(int i) {
        return sequences.get(i).length;
    }
}
