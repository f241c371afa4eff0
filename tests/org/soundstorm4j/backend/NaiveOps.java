package org.soundstorm4j.backend;

/**
 * The forward pass's ops written the obvious way in double precision: the oracle the backends'
 * ops are tested against. Shapes as in {@link Backend}.
 */
public final class NaiveOps {
    private NaiveOps() {
    }

    public static double[] linear(float[] x, float[] w, float[] bias, int rows, int n, int k) {
        double[] y = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int kk = 0; kk < k; kk++) {
                    s += (double) x[i * k + kk] * w[j * k + kk];
                }
                y[i * n + j] = s;
            }
        }
        return y;
    }

    public static double swish(double v) {
        return v / (1 + Math.exp(-v));
    }

    public static double[] layerNorm(float[] x, float[] gamma, float[] beta, int rows, int dim, boolean chanNorm) {
        double[] y = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < dim; j++) {
                mean += x[r * dim + j];
            }
            mean /= dim;
            double var = 0;
            for (int j = 0; j < dim; j++) {
                double d = x[r * dim + j] - mean;
                var += d * d;
            }
            var /= dim;
            double inv = chanNorm ? 1 / Math.sqrt(Math.max(var, 1e-6)) : 1 / Math.sqrt(var + 1e-5);
            for (int j = 0; j < dim; j++) {
                y[r * dim + j] = (x[r * dim + j] - mean) * inv * gamma[j] + (beta == null ? 0 : beta[j]);
            }
        }
        return y;
    }

    public static double[] glu(float[] x, int rows, int channels) {
        double[] y = new double[rows * channels];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                double gate = x[r * 2 * channels + channels + c];
                y[r * channels + c] = x[r * 2 * channels + c] / (1 + Math.exp(-gate));
            }
        }
        return y;
    }

    public static double[] depthwiseConvSwish(float[] x, float[] w, float[] bias, int[] lengths, int batch, int frames,
                                              int channels, int kernel) {
        double[] y = new double[batch * frames * channels];
        int padLeft = kernel / 2;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                for (int c = 0; c < channels; c++) {
                    double s = bias[c];
                    for (int j = 0; j < kernel; j++) {
                        int src = t + j - padLeft;
                        if (src >= 0 && src < lengths[b]) {
                            s += (double) w[c * kernel + j] * x[(b * frames + src) * channels + c];
                        }
                    }
                    y[(b * frames + t) * channels + c] = swish(s);
                }
            }
        }
        return y;
    }

    /** Attention with rotary embedding, exactly as documented on {@link Backend#attention}. */
    public static double[] attention(float[] q, float[] kv, int[] lengths, AttentionShape s) {
        int inner = s.inner();
        int dh = s.dimHead();
        int half = dh / 2;
        double[] out = new double[s.rows() * inner];
        for (int b = 0; b < s.batch(); b++) {
            int len = lengths[b];
            for (int h = 0; h < s.heads(); h++) {
                double[][] qr = new double[len][];
                double[][] kr = new double[len][];
                for (int t = 0; t < len; t++) {
                    int row = b * s.frames() + t;
                    qr[t] = rotate(q, row * inner + h * dh, t, dh);
                    kr[t] = rotate(kv, row * 2 * inner + h * dh, t, dh);
                }
                for (int i = 0; i < len; i++) {
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        double dot = 0;
                        for (int c = 0; c < dh; c++) {
                            dot += qr[i][c] * kr[j][c];
                        }
                        p[j] = dot / Math.sqrt(dh);
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < len; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < len; j++) {
                            acc += p[j] / sum * kv[(b * s.frames() + j) * 2 * inner + inner + h * dh + c];
                        }
                        out[(b * s.frames() + i) * inner + h * dh + c] = acc;
                    }
                }
            }
        }
        return out;
    }

    private static double[] rotate(float[] src, int off, int t, int dh) {
        int half = dh / 2;
        double[] r = new double[dh];
        for (int i = 0; i < half; i++) {
            double angle = t / Math.pow(10000.0, 2.0 * i / dh);
            double x1 = src[off + i];
            double x2 = src[off + half + i];
            r[i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
            r[half + i] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
        }
        return r;
    }

    // ---- codec ops (SpeechTokenizer's SEANet decoder), written from PyTorch's definitions ----

    public static double elu(double v) {
        return v > 0 ? v : Math.expm1(v);
    }

    /**
     * One sequence {@code x[len, channels]} padded as SpeechTokenizer's {@code pad1d}: for reflect,
     * an input not longer than the larger pad is first extended with zeros to {@code max + 1}
     * frames, padded with F.pad's reflect, and the extension cut off the right again.
     */
    public static double[][] pad1d(double[][] x, int padLeft, int padRight, PadMode mode) {
        int len = x.length;
        int channels = len == 0 ? 0 : x[0].length;
        int extra = 0;
        double[][] src = x;
        if (mode == PadMode.REFLECT) {
            int max = Math.max(padLeft, padRight);
            if (len <= max) {
                extra = max - len + 1;
                src = new double[len + extra][];
                for (int i = 0; i < src.length; i++) {
                    src[i] = i < len ? x[i] : new double[channels];
                }
            }
        }
        int n = src.length;
        double[][] padded = new double[padLeft + n + padRight][];
        for (int p = 0; p < padded.length; p++) {
            int j = p - padLeft;
            if (mode == PadMode.REFLECT) {
                // F.pad reflect: index -i -> i, n-1+i -> n-1-i
                padded[p] = src[j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j];
            } else {
                padded[p] = j < 0 || j >= n ? new double[channels] : src[j];
            }
        }
        return java.util.Arrays.copyOf(padded, padded.length - extra);
    }

    private static double[][] sequence(float[] x, int b, int frames, int len, int channels, boolean elu) {
        double[][] seq = new double[len][channels];
        for (int t = 0; t < len; t++) {
            for (int c = 0; c < channels; c++) {
                double v = x[(b * frames + t) * channels + c];
                seq[t][c] = elu ? elu(v) : v;
            }
        }
        return seq;
    }

    /** {@link Backend#im2col} the slow way: pad each sequence as a whole, then copy its windows. */
    public static double[] im2col(float[] x, int[] lengths, ConvWindow w, int batch, int frames, int channels) {
        int outFrames = (int) w.outFrames(frames);
        int width = w.kernel() * channels;
        double[] out = new double[batch * outFrames * width];
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? frames : lengths[b];
            double[][] p = pad1d(sequence(x, b, frames, len, channels, w.eluInput()), w.padLeft(), w.padRight(),
                    w.padMode());
            for (int t = 0; t < (int) w.outFrames(len); t++) {
                for (int k = 0; k < w.kernel(); k++) {
                    for (int c = 0; c < channels; c++) {
                        out[(b * outFrames + t) * width + k * channels + c] = p[t + k * w.dilation()][c];
                    }
                }
            }
        }
        return out;
    }

    /** {@link Backend#codebookSum}: codes {@code [>= levels, batch, frames]}, table {@code [levels*codebook, dim]}. */
    public static double[] codebookSum(int[] codes, float[] table, int levels, int batch, int frames, int codebook,
                                       int dim) {
        double[] out = new double[batch * frames * dim];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < frames; t++) {
                for (int d = 0; d < dim; d++) {
                    double s = 0;
                    for (int q = 0; q < levels; q++) {
                        s += table[(q * codebook + codes[(q * batch + b) * frames + t]) * dim + d];
                    }
                    out[(b * frames + t) * dim + d] = s;
                }
            }
        }
        return out;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /**
     * One LSTM layer as PyTorch defines it (gates i, f, g, o; both biases) over {@code x [batch, frames, in]}
     * from the state {@code h, c [batch, hidden]} (updated in place to the final state); returns
     * {@code [batch, frames, hidden]}. {@code wih} is null when {@code x} already holds the gate
     * inputs {@code [batch, frames, 4*hidden]} (then the biases are null too).
     */
    public static double[] lstm(float[] x, float[] wih, float[] whh, float[] bih, float[] bhh, double[] h, double[] c,
                                int batch, int frames, int in, int hidden) {
        double[] out = new double[batch * frames * hidden];
        int width = wih == null ? 4 * hidden : in;
        for (int b = 0; b < batch; b++) {
            double[] hb = java.util.Arrays.copyOfRange(h, b * hidden, (b + 1) * hidden);
            double[] cb = java.util.Arrays.copyOfRange(c, b * hidden, (b + 1) * hidden);
            for (int t = 0; t < frames; t++) {
                int xi = (b * frames + t) * width;
                double[] a = new double[4 * hidden];
                for (int r = 0; r < 4 * hidden; r++) {
                    double s;
                    if (wih == null) {
                        s = x[xi + r];
                    } else {
                        s = bih[r] + bhh[r];
                        for (int k = 0; k < in; k++) {
                            s += (double) wih[r * in + k] * x[xi + k];
                        }
                    }
                    for (int k = 0; k < hidden; k++) {
                        s += whh[r * hidden + k] * hb[k];
                    }
                    a[r] = s;
                }
                for (int j = 0; j < hidden; j++) {
                    cb[j] = sigmoid(a[hidden + j]) * cb[j] + sigmoid(a[j]) * Math.tanh(a[2 * hidden + j]);
                    hb[j] = sigmoid(a[3 * hidden + j]) * Math.tanh(cb[j]);
                    out[(b * frames + t) * hidden + j] = hb[j];
                }
            }
            System.arraycopy(hb, 0, h, b * hidden, hidden);
            System.arraycopy(cb, 0, c, b * hidden, hidden);
        }
        return out;
    }

    /**
     * PyTorch's ConvTranspose1d (no padding), weight {@code [cin, cout, kernel]}, bias {@code [cout]}:
     * {@code raw[b, t*stride + k, co] += w[ci, co, k] x[b, t, ci]} over {@code (framesIn - 1)*stride + kernel}
     * frames, plus the bias; then {@code trimLeft} frames dropped on the left and the rest cut to
     * {@code framesOut}.
     */
    public static double[] convTranspose1d(float[] x, float[] w, float[] bias, int batch, int framesIn, int cin,
                                           int cout, int kernel, int stride, int trimLeft, int framesOut) {
        int rawFrames = (framesIn - 1) * stride + kernel;
        double[] y = new double[batch * framesOut * cout];
        for (int b = 0; b < batch; b++) {
            double[][] raw = new double[rawFrames][cout];
            for (int t = 0; t < framesIn; t++) {
                for (int ci = 0; ci < cin; ci++) {
                    double v = x[(b * framesIn + t) * cin + ci];
                    for (int co = 0; co < cout; co++) {
                        for (int k = 0; k < kernel; k++) {
                            raw[t * stride + k][co] += w[(ci * cout + co) * kernel + k] * v;
                        }
                    }
                }
            }
            for (int t = 0; t < framesOut; t++) {
                for (int co = 0; co < cout; co++) {
                    int r = t + trimLeft;
                    y[(b * framesOut + t) * cout + co] = (bias == null ? 0 : bias[co]) + (r < rawFrames ? raw[r][co] : 0);
                }
            }
        }
        return y;
    }

    /**
     * PyTorch's Conv1d (stride 1) on the padded input, weight {@code [cout, cin, kernel]}, bias
     * {@code [cout]}: {@code y[b, t, co] = bias[co] + sum_{ci,k} w[co, ci, k] xp[b, t + k*dilation, ci]}.
     */
    public static double[] conv1d(float[] x, float[] w, float[] bias, ConvWindow win, int batch, int frames, int cin,
                                  int cout) {
        int outFrames = (int) win.outFrames(frames);
        double[] y = new double[batch * outFrames * cout];
        for (int b = 0; b < batch; b++) {
            double[][] p = pad1d(sequence(x, b, frames, frames, cin, win.eluInput()), win.padLeft(), win.padRight(),
                    win.padMode());
            for (int t = 0; t < outFrames; t++) {
                for (int co = 0; co < cout; co++) {
                    double s = bias[co];
                    for (int ci = 0; ci < cin; ci++) {
                        for (int k = 0; k < win.kernel(); k++) {
                            s += (double) w[(co * cin + ci) * win.kernel() + k] * p[t + k * win.dilation()][ci];
                        }
                    }
                    y[(b * outFrames + t) * cout + co] = s;
                }
            }
        }
        return y;
    }
}
