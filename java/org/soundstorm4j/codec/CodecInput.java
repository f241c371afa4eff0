package org.soundstorm4j.codec;

import java.util.List;

/**
 * Assembles a codec's codes {@code [levels][batch][frames]} (SpeechTokenizer's layout, level-major)
 * from what the rest of the library holds frame-major: per row, tokens {@code [frames][L]}, and
 * optionally per row the ids of level 0 {@code [frames]} (SoundStorm's semantic tokens in the public
 * pairing, where the model generates the codec's levels 1..L).
 */
public final class CodecInput {
    private CodecInput() {
    }

    /**
     * @param levelZero per row, level 0's ids {@code [frames]}, or null when {@code tokens} hold every level
     * @param tokens    per row, {@code [frames][L]}; every row the same L, and the same frames as its level 0
     * @return codes {@code [levelZero == null ? L : L + 1][batch][frames]}; rows may differ in frames
     * @throws IllegalArgumentException naming the row and frame that do not line up
     */
    public static int[][][] stack(List<int[]> levelZero, List<int[][]> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("no rows to decode");
        }
        if (levelZero != null && levelZero.size() != tokens.size()) {
            throw new IllegalArgumentException(levelZero.size() + " rows of level-0 ids for " + tokens.size()
                    + " rows of tokens");
        }
        int perFrame = tokens.getFirst().length == 0 ? 0 : tokens.getFirst()[0].length;
        int shift = levelZero == null ? 0 : 1;
        int[][][] codes = new int[perFrame + shift][tokens.size()][];
        for (int b = 0; b < tokens.size(); b++) {
            int[][] rows = tokens.get(b);
            if (rows.length == 0) {
                throw new IllegalArgumentException("row " + b + " has no frames");
            }
            if (levelZero != null && levelZero.get(b).length != rows.length) {
                throw new IllegalArgumentException("row " + b + ": " + levelZero.get(b).length + " level-0 ids for "
                        + rows.length + " frames of tokens");
            }
            for (int q = 0; q < codes.length; q++) {
                codes[q][b] = new int[rows.length];
            }
            for (int t = 0; t < rows.length; t++) {
                if (rows[t].length != perFrame) {
                    throw new IllegalArgumentException("row " + b + " frame " + t + " has " + rows[t].length
                            + " levels, row 0 frame 0 has " + perFrame);
                }
                if (levelZero != null) {
                    codes[0][b][t] = levelZero.get(b)[t];
                }
                for (int q = 0; q < perFrame; q++) {
                    codes[q + shift][b][t] = rows[t][q];
                }
            }
        }
        return codes;
    }
}
