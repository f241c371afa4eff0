package org.soundstorm4j.codec;

/**
 * How far in time a decoded sample depends on the codes, computed analytically from a
 * {@link CodecConfig} by walking the decoder's layers backwards (kernels, dilations, strides,
 * the transposed convs' trims). Interior figures: the reflect padding at the two true ends of a
 * sequence does not widen them, except as {@link #startFrames()} says. All counts are codec frames
 * unless named samples.
 *
 * @param preLstmLeft    frames before its own that the first conv reads (kernel 7: 3, causal 6)
 * @param preLstmRight   frames after its own that the first conv reads (3, causal 0)
 * @param leftByPhase    per phase p (sample p of its frame, {@code [hop]}): the earliest LSTM-output
 *                       frame the sample reads, counted back from its own frame
 * @param rightByPhase   per phase: the latest LSTM-output frame it reads, counted forward
 * @param hop            samples per frame
 */
public record ReceptiveField(int preLstmLeft, int preLstmRight, int[] leftByPhase, int[] rightByPhase, int hop) {

    /** The receptive field of {@code config}'s decoder. */
    public static ReceptiveField of(CodecConfig config) {
        int hop = config.hop();
        int[] left = new int[hop];
        int[] right = new int[hop];
        for (int p = 0; p < hop; p++) {
            // the interval [lo, hi] of positions at each layer's rate that sample p of frame 0 reads
            long lo = p;
            long hi = p;
            int[] lastPad = config.convPadding(CodecConfig.KERNEL - 1);
            lo -= lastPad[0];
            hi += lastPad[1];
            for (int s = config.stages() - 1; s >= 0; s--) {
                for (int j = config.nResidualLayers() - 1; j >= 0; j--) {
                    int[] pad = config.convPadding((config.residualKernelSize() - 1) * dilation(config, j));
                    lo -= pad[0];
                    hi += pad[1];
                }
                int r = config.stride(s);
                int trimLeft = config.transposedTrimLeft(s);
                // trimmed output t is raw u = t + trimLeft, which input frames i with u - i r in [0, 2r) feed
                lo = Math.ceilDiv(lo + trimLeft - 2L * r + 1, r);
                hi = Math.floorDiv(hi + trimLeft, r);
            }
            left[p] = (int) -lo;
            right[p] = (int) hi;
        }
        int[] first = config.convPadding(CodecConfig.KERNEL - 1);
        return new ReceptiveField(first[0], first[1], left, right, hop);
    }

    /** Dilation of residual layer j: {@code dilation_base^j}. */
    static int dilation(CodecConfig config, int j) {
        int d = 1;
        for (int i = 0; i < j; i++) {
            d *= config.dilationBase();
        }
        return d;
    }

    @Override
    public int[] leftByPhase() {
        return leftByPhase.clone();
    }

    @Override
    public int[] rightByPhase() {
        return rightByPhase.clone();
    }

    /** LSTM-output frames before a sample's own frame that the convs after the LSTM read (max over phases). */
    public int postLstmLeft() {
        int m = 0;
        for (int v : leftByPhase) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** LSTM-output frames after a sample's own frame that the convs after the LSTM read (max over phases). */
    public int postLstmRight() {
        int m = 0;
        for (int v : rightByPhase) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * Look-ahead: how many frames after its own a sample depends on, the first conv's and the
     * post-LSTM convs' together (max over phases; 4 released, 5 for the small fixture, 0 causal).
     * Earlier frames all matter, through the LSTM.
     */
    public int lookaheadFrames() {
        return preLstmRight + postLstmRight();
    }

    /**
     * Frames that must be known before the first sample is final: the first conv's reflect padding
     * at the sequence's start mirrors frames 1..preLstmLeft into the first frames' windows, so a
     * causal decoder too waits for frame preLstmLeft (7 frames causal; 5 released, where the
     * look-ahead already asks for more). A sequence shorter than that is decoded whole.
     */
    public int startFrames() {
        return Math.max(preLstmLeft + 1, lookaheadFrames() + 1);
    }

    /**
     * With frames 0..F-1 of the codes in (F large), how many of the last of the {@code F * hop}
     * samples can still change when more frames come (1203 released, 69 small).
     */
    public int holdbackSamples() {
        int most = 0;
        for (int p = 0; p < hop; p++) {
            most = Math.max(most, (preLstmRight + rightByPhase[p]) * hop - p);
        }
        return most;
    }
}
