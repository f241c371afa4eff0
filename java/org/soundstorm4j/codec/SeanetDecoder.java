package org.soundstorm4j.codec;

import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.CodecLayouts;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.PadMode;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.weights.NamedTensors;

/**
 * A SEANet codec's decode network on a {@link Backend}: the codebook sum, then SEANet's decoder
 * (first conv, LSTM with its skip, per stride ELU + transposed conv + residual blocks, ELU, last
 * conv), with SpeechTokenizer's centred padding or EnCodec's causal one ({@link CodecConfig#causal}).
 * Written once against the backend's ops; activations are {@code [batch, frames, channels]} at
 * each layer's rate.
 *
 * <p>It is split where a streaming decoder needs to cut: {@link #latent} (codebook sum and first
 * conv, over a window of code frames), {@link #lstm} (carrying its state), and {@link #tail}
 * (every conv after the LSTM, over a window of LSTM-output frames, treating the window's ends as
 * the sequence's). Each call releases its intermediates before it returns; the caller releases
 * what it gets.
 */
final class SeanetDecoder {
    /** A stride-1 conv, weight norm folded: {@code window} null for kernel 1 (no im2col). */
    private record Conv(MatrixWeight weight, Tensor bias, int cin, int cout, ConvWindow window) {
    }

    private record Lstm(MatrixWeight wih, MatrixWeight whh, Tensor bias) {
    }

    private record Stage(int stride, int trimLeft, int cin, int cout, MatrixWeight taps, Tensor bias, Conv[] conv,
                         Conv[] project, Conv[] shortcut) {
    }

    private final CodecConfig config;
    private final Backend be;
    private final Tensor table;
    private final Conv first;
    private final Lstm[] lstm;
    private final Stage[] stages;
    private final Conv last;

    private SeanetDecoder(CodecConfig config, Backend backend, NamedTensors t) {
        this.config = config;
        this.be = backend;
        int d = config.dimension();
        int c = config.codebookSize();
        float[] codebooks = new float[Math.multiplyExact(config.nQ() * c, d)];
        for (int q = 0; q < config.nQ(); q++) {
            t.tensor(CodecTensors.codebook(q)).copyTo(codebooks, q * c * d);
        }
        table = be.upload(codebooks);
        int h = config.lstmWidth();
        int[] pad = config.convPadding(CodecConfig.KERNEL - 1);
        first = conv(t, CodecTensors.firstConv(), d, h, CodecConfig.KERNEL,
                new ConvWindow(CodecConfig.KERNEL, 1, pad[0], pad[1], PadMode.REFLECT, false));
        lstm = new Lstm[config.lstmLayers()];
        for (int l = 0; l < lstm.length; l++) {
            float[] bias = CodecWeights.floats(t, CodecTensors.lstm("bias_ih", l));
            float[] bhh = CodecWeights.floats(t, CodecTensors.lstm("bias_hh", l));
            for (int i = 0; i < bias.length; i++) {
                bias[i] += bhh[i];
            }
            lstm[l] = new Lstm(be.uploadMatrix(CodecWeights.floats(t, CodecTensors.lstm("weight_ih", l)), 4 * h, h),
                    be.uploadMatrix(CodecWeights.floats(t, CodecTensors.lstm("weight_hh", l)), 4 * h, h),
                    be.upload(bias));
        }
        stages = new Stage[config.stages()];
        int k = config.residualKernelSize();
        for (int s = 0; s < stages.length; s++) {
            int cin = config.stageChannels(s);
            int cout = cin / 2;
            int r = config.stride(s);
            String tp = CodecTensors.transposedConv(config, s);
            MatrixWeight taps = be.uploadMatrix(CodecLayouts.transposedConvWeight(CodecWeights.weightNorm(t, tp), cin,
                    cout, 2 * r), 2 * r * cout, cin);
            int n = config.nResidualLayers();
            Conv[] conv = new Conv[n];
            Conv[] project = new Conv[n];
            Conv[] shortcut = new Conv[n];
            for (int j = 0; j < n; j++) {
                int dil = ReceptiveField.dilation(config, j);
                int[] residualPad = config.convPadding((k - 1) * dil);
                conv[j] = conv(t, CodecTensors.residual(config, s, j, 1), cout, cout / 2, k,
                        new ConvWindow(k, dil, residualPad[0], residualPad[1], PadMode.REFLECT, true));
                project[j] = conv(t, CodecTensors.residual(config, s, j, 3), cout / 2, cout, 1, null);
                shortcut[j] = conv(t, CodecTensors.shortcut(config, s, j), cout, cout, 1, null);
            }
            stages[s] = new Stage(r, config.transposedTrimLeft(s), cin, cout, taps,
                    be.upload(CodecWeights.floats(t, tp + ".bias")), conv, project, shortcut);
        }
        last = conv(t, CodecTensors.lastConv(config), config.nFilters(), 1, CodecConfig.KERNEL,
                new ConvWindow(CodecConfig.KERNEL, 1, pad[0], pad[1], PadMode.REFLECT, true));
    }

    /** Uploads the decode path's tensors of {@code tensors} (already checked against {@code config}). */
    static SeanetDecoder upload(CodecConfig config, Backend backend, NamedTensors tensors) {
        return new SeanetDecoder(config, backend, tensors);
    }

    private Conv conv(NamedTensors t, String prefix, int cin, int cout, int kernel, ConvWindow window) {
        float[] w = CodecLayouts.convWeight(CodecWeights.weightNorm(t, prefix), cout, cin, kernel);
        return new Conv(be.uploadMatrix(w, cout, kernel * cin), be.upload(CodecWeights.floats(t, prefix + ".bias")),
                cin, cout, window);
    }

    /**
     * The codebook sum and the first conv over a window of code frames:
     * {@code codes [levels, batch, frames]} (checked by the caller) to {@code [batch, framesOut,
     * lstmWidth]}, with {@code window} the first conv's padding for this window (full reflect pads
     * at a true end, fewer or none where the window holds the neighbours itself).
     */
    Tensor latent(int[] codes, int levels, int batch, int frames, int padLeft, int padRight) {
        IntTensor ids = be.allocateInts(codes.length);
        Tensor x;
        try {
            be.write(ids, codes);
            x = be.allocate((long) batch * frames * config.dimension());
            be.codebookSum(ids, table, x, levels, batch, frames, config.codebookSize(), config.dimension());
        } finally {
            be.release(ids);
        }
        ConvWindow w = new ConvWindow(CodecConfig.KERNEL, 1, padLeft, padRight, PadMode.REFLECT, false);
        return conv(first, w, x, batch, frames, true);
    }

    /**
     * The LSTM stack plus its skip over {@code x [batch, frames, lstmWidth]}, from and into the
     * per-layer states {@code h[l], c[l] [batch, lstmWidth]}; returns {@code LSTM(x) + x}. Releases x.
     */
    Tensor lstm(Tensor x, Tensor[] h, Tensor[] c, int batch, int frames) {
        int w = config.lstmWidth();
        int rows = batch * frames;
        Tensor y = x;
        for (int l = 0; l < lstm.length; l++) {
            Tensor gates = be.allocate((long) rows * 4 * w);
            be.linear(y, lstm[l].wih(), lstm[l].bias(), Activation.NONE, gates, rows);
            Tensor out = be.allocate((long) rows * w);
            be.lstmRecurrence(gates, lstm[l].whh(), h[l], c[l], out, batch, frames, w);
            be.release(gates);
            if (y != x) {
                be.release(y);
            }
            y = out;
        }
        be.add(y, x, y, rows * w);
        be.release(x);
        return y;
    }

    /**
     * Every layer after the LSTM over {@code y [batch, frames, lstmWidth]} (LSTM-output frames, the
     * window's ends taken as the sequence's): the waveform {@code [batch, frames * hop]}. Releases y.
     */
    Tensor tail(Tensor y, int batch, int frames) {
        Tensor x = y;
        int rate = frames;
        for (Stage st : stages) {
            int rows = batch * rate;
            be.elu(x, x, rows * st.cin());
            int kernel = 2 * st.stride();
            Tensor taps = be.allocate((long) rows * kernel * st.cout());
            be.linear(x, st.taps(), null, Activation.NONE, taps, rows);
            be.release(x);
            int up = rate * st.stride();
            x = be.allocate((long) batch * up * st.cout());
            be.overlapAdd(taps, st.bias(), x, batch, rate, up, st.cout(), kernel, st.stride(), st.trimLeft());
            be.release(taps);
            rate = up;
            for (int j = 0; j < st.conv().length; j++) {
                Tensor hidden = conv(st.conv()[j], st.conv()[j].window(), x, batch, rate, false);
                Tensor sum = conv(st.shortcut()[j], null, x, batch, rate, true);
                be.elu(hidden, hidden, batch * rate * st.cout() / 2);
                be.linearAccumulate(hidden, st.project()[j].weight(), st.project()[j].bias(), 1f, sum, batch * rate);
                be.release(hidden);
                x = sum;
            }
        }
        return conv(last, last.window(), x, batch, rate, true);
    }

    /** A stride-1 conv of {@code x [batch, frames, cin]} (a 1x1 one when window is null); releases x when asked. */
    private Tensor conv(Conv conv, ConvWindow window, Tensor x, int batch, int frames, boolean releaseInput) {
        int framesOut = window == null ? frames : (int) window.outFrames(frames);
        Tensor out = be.allocate((long) batch * framesOut * conv.cout());
        if (window == null) {
            be.linear(x, conv.weight(), conv.bias(), Activation.NONE, out, batch * frames);
        } else {
            be.conv1d(x, window, conv.weight(), conv.bias(), out, batch, frames, conv.cin());
        }
        if (releaseInput) {
            be.release(x);
        }
        return out;
    }
}
