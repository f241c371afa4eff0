package org.soundstorm4j.codec;

/**
 * How far in time a decoded sample depends on the codes, computed analytically from a
 * {@link CodecConfig} by walking the decoder's layers backwards (kernels, dilations, strides,
 * the transposed convs' trims). Interior figures: the reflect padding at the two true ends of a
 * sequence does not widen them. All counts are codec frames unless named samples.
 *
 * @param preLstmFrames  frames on each side the first conv reads (kernel 7: 3)
 * @param leftByPhase    per phase p (sample p of its frame, {@code [hop]}): the earliest LSTM-output
 *                       frame the sample reads, counted back from its own frame
 * @param rightByPhase   per phase: the latest LSTM-output frame it reads, counted forward
 * @param hop            samples per frame
 */
public record ReceptiveField(int preLstmFrames, int[] leftByPhase, int[] rightByPhase, int hop) {

    /** The receptive field of {@code config}'s decoder. */
    public static ReceptiveField of(CodecConfig config) {
        int hop = config.hop();
        int[] left = new int[hop];
        int[] right = new int[hop];
        for (int p = 0; p < hop; p++) {
            // the interval [lo, hi] of positions at each layer's rate that sample p of frame 0 reads
            long lo = p;
            long hi = p;
            int lastPad = (CodecConfig.KERNEL - 1) / 2;
            lo -= lastPad;
            hi += lastPad;
            for (int s = config.stages() - 1; s >= 0; s--) {
                for (int j = config.nResidualLayers() - 1; j >= 0; j--) {
                    int total = (config.residualKernelSize() - 1) * dilation(config, j);
                    lo -= total - total / 2;
                    hi += total / 2;
                }
                int r = config.stride(s);
                int trimLeft = (r + 1) / 2;
                // trimmed output t is raw u = t + trimLeft, which input frames i with u - i r in [0, 2r) feed
                lo = Math.ceilDiv(lo + trimLeft - 2L * r + 1, r);
                hi = Math.floorDiv(hi + trimLeft, r);
            }
            left[p] = (int) -lo;
            right[p] = (int) hi;
        }
        return new ReceptiveField((CodecConfig.KERNEL - 1) / 2, left, right, hop);
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
     * post-LSTM convs' together (max over phases; 4 released, 5 for the small fixture). Earlier
     * frames all matter, through the LSTM.
     */
    public int lookaheadFrames() {
        return preLstmFrames + postLstmRight();
    }

    /**
     * With frames 0..F-1 of the codes in (F large), how many of the last of the {@code F * hop}
     * samples can still change when more frames come (1203 released, 69 small).
     */
    public int holdbackSamples() {
        int most = 0;
        for (int p = 0; p < hop; p++) {
            most = Math.max(most, (preLstmFrames + rightByPhase[p]) * hop - p);
        }
        return most;
    }
}
