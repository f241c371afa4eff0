package org.soundstorm4j.backend;

/**
 * cos and sin of the rotary embedding's angles {@code t * 10000^(-2i/dimHead)}, {@code [frames,
 * dimHead/2]}, computed in double and rounded once, so every backend rotates with the same floats.
 */
public record RotaryTable(int frames, int dimHead, float[] cos, float[] sin) {
    private static final double THETA = 10000.0;

    public static RotaryTable of(int frames, int dimHead) {
        int half = dimHead / 2;
        float[] c = new float[frames * half];
        float[] s = new float[frames * half];
        for (int i = 0; i < half; i++) {
            double invFreq = 1.0 / Math.pow(THETA, (2.0 * i) / dimHead);
            for (int t = 0; t < frames; t++) {
                c[t * half + i] = (float) Math.cos(t * invFreq);
                s[t * half + i] = (float) Math.sin(t * invFreq);
            }
        }
        return new RotaryTable(frames, dimHead, c, s);
    }

    /** Whether this table serves {@code frames} frames of heads of {@code dimHead}. */
    public boolean covers(int frames, int dimHead) {
        return frames <= this.frames && dimHead == this.dimHead;
    }
}
