package org.soundstorm4j.model;

/** Validates forward-pass inputs on the host, with messages that name the offending position. */
final class InputCheck {
    private InputCheck() {
    }

    static void check(ModelConfig c, int[] tokens, int[] semantic, int[] lengths, int batch, int frames, int level) {
        if (batch < 1 || frames < 1) {
            throw new IllegalArgumentException("batch and frames must be >= 1, got batch " + batch + ", frames " + frames);
        }
        int levels = c.numQuantizers();
        if (level < 0 || level >= levels) {
            throw new IllegalArgumentException("level " + level + " out of range [0, " + levels + ")");
        }
        requireLength("tokens", tokens, (long) batch * frames * levels, "[batch, frames, levels]");
        requireLength("semantic", semantic, (long) batch * frames, "[batch, frames]");
        requireLength("lengths", lengths, batch, "[batch]");
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > frames) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + " out of range [1, " + frames + "]");
            }
            for (int t = 0; t < lengths[b]; t++) {
                int row = b * frames + t;
                int s = semantic[row];
                if (s < 0 || s >= c.numSemanticTokens()) {
                    throw new IllegalArgumentException("semantic id " + s + " at [" + b + ", " + t + "] out of range [0, "
                            + c.numSemanticTokens() + ")");
                }
                for (int q = 0; q < levels; q++) {
                    int id = tokens[row * levels + q];
                    if (id < 0 || id > c.maskId()) {
                        throw new IllegalArgumentException("acoustic id " + id + " at [" + b + ", " + t + ", " + q
                                + "] out of range [0, " + c.maskId() + "] (" + c.maskId() + " = mask)");
                    }
                }
            }
        }
    }

    private static void requireLength(String name, int[] a, long expected, String shape) {
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(name + " must hold " + expected + " ids " + shape + ", got "
                    + (a == null ? "null" : a.length));
        }
    }
}
