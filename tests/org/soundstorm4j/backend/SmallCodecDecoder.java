package org.soundstorm4j.backend;

import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A test-only composition of the codec ops into SpeechTokenizer's whole decode (codes to
 * waveform) for the {@code tests/resources/codec/small} model, written straight from the decode
 * path in {@code tests/resources/codec/README.md}. It is not the decoder (that belongs in the
 * library, with its own weights and shapes); it shows the ops are enough for one and lets the op
 * contract compare every backend with PyTorch's own waveforms.
 */
final class SmallCodecDecoder {
    private static final int DIM = 32;
    private static final int FILTERS = 4;
    private static final int[] RATIOS = {4, 2, 2};
    private static final int CODEBOOK = 16;

    private final Backend be;
    private final TorchCheckpoint ckpt;
    private final List<Tensor> temporaries = new ArrayList<>();

    private SmallCodecDecoder(Backend backend, TorchCheckpoint checkpoint) {
        this.be = backend;
        this.ckpt = checkpoint;
    }

    /** The waveform {@code [batch, frames*16]} of codes {@code [levels, batch, frames]}. */
    static float[] decode(Backend backend, TorchCheckpoint checkpoint, int[] codes, int levels, int batch, int frames) {
        SmallCodecDecoder d = new SmallCodecDecoder(backend, checkpoint);
        try {
            return d.run(codes, levels, batch, frames);
        } finally {
            d.temporaries.forEach(backend::release);
        }
    }

    private Tensor tensor(long size) {
        Tensor t = be.allocate(size);
        temporaries.add(t);
        return t;
    }

    private Tensor upload(float[] v) {
        Tensor t = be.upload(v);
        temporaries.add(t);
        return t;
    }

    private float[] get(String name) {
        return ckpt.tensor(name).toFloats();
    }

    /** Old torch weight_norm over every dim but 0: w[i] = g[i] v[i] / ||v[i]||, in float as PyTorch. */
    private float[] weightNorm(String prefix) {
        float[] v = get(prefix + ".weight_v");
        float[] g = get(prefix + ".weight_g");
        int per = v.length / g.length;
        float[] w = new float[v.length];
        for (int i = 0; i < g.length; i++) {
            double sq = 0;
            for (int j = 0; j < per; j++) {
                sq += (double) v[i * per + j] * v[i * per + j];
            }
            float norm = (float) Math.sqrt(sq);
            for (int j = 0; j < per; j++) {
                w[i * per + j] = g[i] * v[i * per + j] / norm;
            }
        }
        return w;
    }

    /** A weight-normed Conv1d (stride 1): im2col (ELU fused when asked) then linear. */
    private Tensor conv(String prefix, Tensor x, int rows, int frames, int batch, int cin, int cout, int kernel,
                        boolean elu) {
        float[] w = weightNorm(prefix);
        Tensor in = x;
        int k = kernel;
        if (kernel > 1) {
            ConvWindow window = ConvWindow.same(kernel, 1, PadMode.REFLECT, elu);
            in = tensor((long) rows * kernel * cin);
            be.im2col(x, null, window, in, batch, frames, cin);
        } else if (elu) {
            in = tensor((long) rows * cin);
            be.elu(x, in, rows * cin);
        }
        Tensor out = tensor((long) rows * cout);
        be.linear(in, be.uploadMatrix(CodecLayouts.convWeight(w, cout, cin, k), cout, k * cin),
                upload(get(prefix + ".bias")), Activation.NONE, out, rows);
        return out;
    }

    private float[] run(int[] codes, int levels, int batch, int frames) {
        // 1. codebook sum
        float[] table = new float[levels * CODEBOOK * DIM];
        for (int q = 0; q < levels; q++) {
            System.arraycopy(get("quantizer.vq.layers." + q + "._codebook.embed"), 0, table, q * CODEBOOK * DIM,
                    CODEBOOK * DIM);
        }
        IntTensor ids = be.allocateInts(codes.length);
        be.write(ids, codes);
        Tensor x = tensor((long) batch * frames * DIM);
        be.codebookSum(ids, upload(table), x, levels, batch, frames, CODEBOOK, DIM);
        be.release(ids);

        int ch = (1 << RATIOS.length) * FILTERS; // M * N = 32
        int rows = batch * frames;
        // 2. j = 0: conv D -> M*N, kernel 7, reflect 3/3
        x = conv("decoder.model.0.conv.conv", x, rows, frames, batch, DIM, ch, 7, false);
        // j = 1: 2-layer LSTM, plus its input
        Tensor y = x;
        for (int layer = 0; layer < 2; layer++) {
            String p = "decoder.model.1.lstm.";
            float[] bih = get(p + "bias_ih_l" + layer);
            float[] bhh = get(p + "bias_hh_l" + layer);
            float[] bias = new float[bih.length];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = bih[i] + bhh[i];
            }
            Tensor gates = tensor((long) rows * 4 * ch);
            be.linear(y, be.uploadMatrix(get(p + "weight_ih_l" + layer), 4 * ch, ch), upload(bias), Activation.NONE,
                    gates, rows);
            Tensor out = tensor((long) rows * ch);
            be.lstmRecurrence(gates, be.uploadMatrix(get(p + "weight_hh_l" + layer), 4 * ch, ch),
                    tensor((long) batch * ch), tensor((long) batch * ch), out, batch, frames, ch);
            y = out;
        }
        be.add(y, x, y, rows * ch); // the skip: the LSTM stack's input added once to its output
        x = y;
        // stages
        for (int s = 0; s < RATIOS.length; s++) {
            int r = RATIOS[s];
            int c = ch >> s;
            int j = 2 + 3 * s;
            Tensor act = tensor((long) rows * c);
            be.elu(x, act, rows * c);
            String tp = "decoder.model." + (j + 1) + ".convtr.convtr";
            float[] w = weightNorm(tp);
            Tensor taps = tensor((long) rows * 2 * r * (c / 2));
            be.linear(act, be.uploadMatrix(CodecLayouts.transposedConvWeight(w, c, c / 2, 2 * r), 2 * r * (c / 2), c),
                    null, Activation.NONE, taps, rows);
            int framesOut = frames * r;
            Tensor up = tensor((long) batch * framesOut * (c / 2));
            be.overlapAdd(taps, upload(get(tp + ".bias")), up, batch, frames, framesOut, c / 2, 2 * r, r, (r + 1) / 2);
            frames = framesOut;
            rows = batch * frames;
            // residual block: shortcut(x) + conv_b(ELU(conv_a(ELU(x))))
            String rp = "decoder.model." + (j + 2) + ".";
            Tensor hidden = conv(rp + "block.1.conv.conv", up, rows, frames, batch, c / 2, c / 4, 3, true);
            Tensor sum = conv(rp + "shortcut.conv.conv", up, rows, frames, batch, c / 2, c / 2, 1, false);
            Tensor hAct = tensor((long) rows * (c / 4));
            be.elu(hidden, hAct, rows * (c / 4));
            float[] wb = weightNorm(rp + "block.3.conv.conv");
            be.linearAccumulate(hAct, be.uploadMatrix(CodecLayouts.convWeight(wb, c / 2, c / 4, 1), c / 2, c / 4),
                    upload(get(rp + "block.3.conv.conv.bias")), 1f, sum, rows);
            x = sum;
        }
        // ELU, then the last conv N -> 1, kernel 7, reflect 3/3; no final activation
        Tensor wav = conv("decoder.model." + (3 + 3 * RATIOS.length) + ".conv.conv", x, rows, frames, batch, FILTERS,
                1, 7, true);
        float[] host = new float[rows];
        be.read(wav, host);
        return host;
    }
}
