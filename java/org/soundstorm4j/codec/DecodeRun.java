package org.soundstorm4j.codec;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Tensor;

/**
 * One decode of checked codes {@code [levels, batch, frames]}, produced left to right in time
 * slices: {@link #emit} computes the waveform of frames {@code [a, b)} once every earlier frame
 * has been emitted. What it keeps between slices: the LSTM's (h, c) per layer on the device, and
 * on the host the LSTM-output frames the next slice's convs still read on its left.
 *
 * <p>A slice [a, b) runs the codebook sum and the first conv over code frames
 * {@code [s - 3, e + 3)} (the first conv's padding: {@code [s - 6, e)} causal; clipped to the
 * sequence, reflect padding only at the sequence's own ends) for the LSTM frames {@code [s, e)} not
 * yet computed, with {@code e = b + R} (or more, so that the codes read include the frames the
 * start's reflection reads, {@link ReceptiveField#startFrames()}); then the LSTM from
 * its carried state; then every layer after the LSTM over the LSTM-output frames
 * {@code [a - L, b + R)}, keeping only the samples of [a, b). L and R are the post-LSTM receptive
 * field ({@link ReceptiveField}), so the kept samples never read a window edge and equal the
 * whole-sequence decode's.
 */
final class DecodeRun implements AutoCloseable {
    private final SeanetDecoder net;
    private final Backend be;
    private final int[] codes;
    private final int levels;
    private final int batch;
    private final int frames;
    private final int width;
    private final int hop;
    private final int padLeft;
    private final int padRight;
    private final int startFrames;
    private final int left;
    private final int right;
    private final int sliceFrames;
    private final Tensor[] h;
    private final Tensor[] c;
    private int lstmDone;
    private int emitted;
    /** Host copy of LSTM-output frames [keptStart, lstmDone), per row {@code [frames, width]}. */
    private float[][] kept;
    private int keptStart;

    DecodeRun(SeanetDecoder net, Backend backend, CodecConfig config, ReceptiveField field, int[] codes, int levels,
              int batch, int frames, int sliceFrames) {
        this.net = net;
        this.be = backend;
        this.codes = codes;
        this.levels = levels;
        this.batch = batch;
        this.frames = frames;
        this.width = config.lstmWidth();
        this.hop = config.hop();
        this.padLeft = field.preLstmLeft();
        this.padRight = field.preLstmRight();
        this.startFrames = field.startFrames();
        this.left = field.postLstmLeft();
        this.right = field.postLstmRight();
        this.sliceFrames = sliceFrames;
        this.kept = new float[batch][0];
        h = new Tensor[config.lstmLayers()];
        c = new Tensor[config.lstmLayers()];
        try {
            for (int l = 0; l < h.length; l++) {
                h[l] = be.allocate((long) batch * width);
                c[l] = be.allocate((long) batch * width);
            }
        } catch (Throwable failure) {
            close();
            throw failure;
        }
    }

    /**
     * Writes the samples of frames {@code [emitted, b)} of every row into
     * {@code out[row][offset ..]}, in slices of at most {@code sliceFrames} frames.
     */
    void emit(int b, float[][] out, int offset) {
        int start = emitted;
        for (int a = start; a < b; a += sliceFrames) {
            slice(a, Math.min(b, a + sliceFrames), out, offset + (a - start) * hop);
        }
    }

    private void slice(int a, int b, float[][] out, int offset) {
        // a sequence within the first conv's padding is padded as a whole (PyTorch's short-input rule)
        int e = frames <= Math.max(padLeft, padRight) ? frames : Math.min(frames, Math.max(b + right, startFrames - padRight));
        if (e > lstmDone) {
            advance(e);
        }
        int w0 = Math.max(0, a - left);
        int w1 = Math.min(frames, b + right);
        int n = w1 - w0;
        float[] y = new float[batch * n * width];
        for (int r = 0; r < batch; r++) {
            System.arraycopy(kept[r], (w0 - keptStart) * width, y, r * n * width, n * width);
        }
        Tensor wav = net.tail(be.upload(y), batch, n);
        float[] samples = new float[batch * n * hop];
        try {
            be.read(wav, samples);
        } finally {
            be.release(wav);
        }
        for (int r = 0; r < batch; r++) {
            System.arraycopy(samples, (r * n + a - w0) * hop, out[r], offset, (b - a) * hop);
        }
        emitted = b;
        drop(Math.max(0, b - left));
    }

    /** Computes LSTM-output frames [lstmDone, e) and keeps them on the host. */
    private void advance(int e) {
        int s = lstmDone;
        int c0 = Math.max(0, s - padLeft);
        int c1 = Math.min(frames, e + padRight);
        int n = c1 - c0;
        int[] window = new int[levels * batch * n];
        for (int q = 0; q < levels; q++) {
            for (int r = 0; r < batch; r++) {
                System.arraycopy(codes, (q * batch + r) * frames + c0, window, (q * batch + r) * n, n);
            }
        }
        Tensor x = net.latent(window, levels, batch, n, padLeft - (s - c0), padRight - (c1 - e));
        Tensor y = net.lstm(x, h, c, batch, e - s);
        float[] host = new float[batch * (e - s) * width];
        try {
            be.read(y, host);
        } finally {
            be.release(y);
        }
        int have = lstmDone - keptStart;
        for (int r = 0; r < batch; r++) {
            float[] grown = new float[(have + e - s) * width];
            System.arraycopy(kept[r], 0, grown, 0, have * width);
            System.arraycopy(host, r * (e - s) * width, grown, have * width, (e - s) * width);
            kept[r] = grown;
        }
        lstmDone = e;
    }

    /** Forgets the kept frames before {@code from}. */
    private void drop(int from) {
        if (from <= keptStart) {
            return;
        }
        int have = lstmDone - from;
        for (int r = 0; r < batch; r++) {
            float[] shrunk = new float[have * width];
            System.arraycopy(kept[r], (from - keptStart) * width, shrunk, 0, have * width);
            kept[r] = shrunk;
        }
        keptStart = from;
    }

    /** Releases the LSTM state. */
    @Override
    public void close() {
        for (int l = 0; l < h.length; l++) {
            if (h[l] != null) {
                be.release(h[l]);
            }
            if (c[l] != null) {
                be.release(c[l]);
            }
        }
    }
}
