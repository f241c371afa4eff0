package org.soundstorm4j.backend;

/**
 * Device memory and the ops of the SoundStorm Conformer. The network is written once, in
 * {@code org.soundstorm4j.model.Conformer}, against this interface; a backend only computes ops.
 *
 * <p>All float tensors are row-major. "rows" is {@code batch * frames}: sequences of a batch are
 * padded to the same number of frames and each op that mixes frames takes the per-sequence
 * lengths, so a sequence's results never depend on what lies in its padding.
 *
 * <p>Tensors may be larger than an op uses (a workspace sized for the largest shape serves smaller
 * ones): every op reads and writes only the elements its sizes name and requires each tensor to hold
 * at least that many ({@link TensorSizes#require}), never exactly that many.
 *
 * <p>Ops may not be called concurrently on one backend instance.
 */
public interface Backend extends AutoCloseable {

    /** Short name: "cpu", "opencl", "cuda". */
    String name();

    /** One line saying which device and code path run (for logs and {@code info}). */
    String description();

    /** A zero-filled float tensor of {@code size} elements. */
    Tensor allocate(long size);

    /** A float tensor holding a copy of {@code values} (one host-to-device transfer). */
    Tensor upload(float[] values);

    /** A zero-filled int tensor of {@code size} elements. */
    IntTensor allocateInts(long size);

    /** Copies {@code values} (at most {@code dst.size()} of them) into the first elements of {@code dst}. */
    void write(IntTensor dst, int[] values);

    /** Copies {@code values} (at most {@code dst.size()} of them) into the first elements of {@code dst}. */
    void write(Tensor dst, float[] values);

    /** Copies the first {@code dst.length} elements of {@code src} (at most {@code src.size()}) into {@code dst}. */
    void read(Tensor src, float[] dst);

    /** Copies the first {@code dst.length} elements of {@code src} (at most {@code src.size()}) into {@code dst}. */
    void readInts(IntTensor src, int[] dst);

    /** Frees a buffer this backend made; using it afterwards is an error. */
    void release(DeviceBuffer buffer);

    /**
     * Uploads a weight matrix {@code W[rows, cols]} (row-major, PyTorch Linear layout: rows are
     * output features) for {@link #linear}.
     */
    MatrixWeight uploadMatrix(float[] values, int rows, int cols);

    /**
     * Uploads the weight matrix {@code source} describes, reading it where it is stored (a
     * memory-mapped file). The default reads it whole into a transient host array (one matrix at
     * a time) and calls {@link #uploadMatrix(float[], int, int)}; the CPU backend packs straight
     * from the source, so no full-size heap copy exists beside the packed one.
     */
    default MatrixWeight uploadMatrix(MatrixSource source) {
        return uploadMatrix(source.toRowMajor(), source.rows(), source.cols());
    }

    /**
     * Input embedding. For frame t of sequence b with {@code t < lengths[b]}:
     * {@code out[b,t,:] = sum_q codeEmbeds[q*(codebookSize+1) + tokens[b,t,q], :]
     * + semanticEmbeds[semantic[b,t], :]}; padded frames get zeros.
     *
     * @param tokens         {@code [batch, frames, levels]} acoustic ids, {@code codebookSize} = mask
     * @param semantic       {@code [batch, frames]} semantic ids at the codec frame rate
     * @param lengths        {@code [batch]} valid frames per sequence
     * @param codeEmbeds     {@code [levels * (codebookSize + 1), dim]}
     * @param semanticEmbeds {@code [semanticVocab, dim]}
     * @param out            {@code [batch, frames, dim]}
     */
    void embedSum(IntTensor tokens, IntTensor semantic, IntTensor lengths, Tensor codeEmbeds,
                  Tensor semanticEmbeds, Tensor out, int batch, int frames, int levels,
                  int codebookSize, int dim);

    /**
     * LayerNorm over the last dimension (biased variance, eps 1e-5):
     * {@code out[r,:] = (x[r,:] - mean) / sqrt(var + 1e-5) * gamma + beta}. {@code out} may be
     * {@code x}.
     *
     * @param x     {@code [rows, dim]}
     * @param gamma {@code [dim]}
     * @param beta  {@code [dim]}
     * @param out   {@code [rows, dim]}
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, int rows, int dim);

    /**
     * {@code out = act(x W^T + bias)}.
     *
     * @param x    {@code [rows, w.cols()]}
     * @param bias {@code [w.rows()]} or null
     * @param out  {@code [rows, w.rows()]}, not {@code x}
     */
    void linear(Tensor x, MatrixWeight w, Tensor bias, Activation act, Tensor out, int rows);

    /**
     * {@code out += scale * (x W^T + bias)}: a linear layer added to a residual stream.
     *
     * @param x    {@code [rows, w.cols()]}
     * @param bias {@code [w.rows()]} or null
     * @param out  {@code [rows, w.rows()]}, not {@code x}
     */
    void linearAccumulate(Tensor x, MatrixWeight w, Tensor bias, float scale, Tensor out, int rows);

    /**
     * Bidirectional multi-head attention with rotary position embedding (GPT-NeoX rotate_half,
     * theta 10000, over the whole head, positions 0.. per sequence) applied to q and k, scores
     * scaled by {@code 1/sqrt(dimHead)}, keys at frames {@code >= lengths[b]} masked out.
     * Query rows of padded frames get zeros.
     *
     * @param q   {@code [batch, frames, heads * dimHead]}
     * @param kv  {@code [batch, frames, 2 * heads * dimHead]}: k in the first half, v in the second
     * @param out {@code [batch, frames, heads * dimHead]}
     */
    void attention(Tensor q, Tensor kv, IntTensor lengths, AttentionShape shape, Tensor out);

    /**
     * Gated linear unit over channels: {@code out[r,c] = x[r,c] * sigmoid(x[r, channels + c])}.
     *
     * @param x   {@code [rows, 2 * channels]}
     * @param out {@code [rows, channels]}
     */
    void glu(Tensor x, Tensor out, int rows, int channels);

    /**
     * Depthwise 1-D convolution over frames with 'same' padding (left {@code kernel/2}, right
     * {@code kernel/2 - (kernel+1)%2}), then Swish. Frames outside {@code [0, lengths[b])} read as
     * zero, so padding never leaks into a sequence; padded output frames get zeros.
     *
     * @param x      {@code [batch, frames, channels]}
     * @param weight {@code [channels, kernel]}
     * @param bias   {@code [channels]}
     * @param out    {@code [batch, frames, channels]}, not {@code x}
     */
    void depthwiseConvSwish(Tensor x, Tensor weight, Tensor bias, IntTensor lengths, Tensor out,
                            int batch, int frames, int channels, int kernel);

    /**
     * The conv module's ChanLayerNorm: per row, {@code (x - mean) / sqrt(max(var, 1e-6)) * gamma}
     * (biased variance, no beta). {@code out} may be {@code x}.
     *
     * @param x     {@code [rows, channels]}
     * @param gamma {@code [channels]}
     */
    void chanNorm(Tensor x, Tensor gamma, Tensor out, int rows, int channels);

    // ---- codec ops (SpeechTokenizer's SEANet decoder; frames are time steps, row-major [batch, frames, channels]) ----

    /**
     * The input windows of a stride-1 conv1d, so the conv is this op then {@link #linear} with the
     * weight {@link CodecLayouts#convWeight permuted} to {@code [cout, kernel*channels]}: for
     * {@code t < outFrames = frames + padLeft + padRight - dilation*(kernel-1)},
     * {@code out[b, t, k*channels + c] = act(xp[b, t + k*dilation, c])}, where xp is sequence b
     * padded {@code padLeft}/{@code padRight} frames as {@link PadMode} says and act is ELU (alpha
     * 1) when {@link ConvWindow#eluInput()}, else the identity. Sequence b is its first
     * {@code lengths[b]} frames ({@code frames} when {@code lengths} is null): padding is applied at
     * its own end, and its output frames from {@code lengths[b] + padLeft + padRight -
     * dilation*(kernel-1)} on are zeros.
     *
     * @param x       {@code [batch, frames, channels]}
     * @param lengths {@code [batch]} valid frames per sequence, or null (all {@code frames})
     * @param out     {@code [batch, outFrames, kernel*channels]}, not {@code x}
     */
    void im2col(Tensor x, IntTensor lengths, ConvWindow window, Tensor out, int batch, int frames, int channels);

    /**
     * A stride-1 conv1d over {@code x [batch, frames, cin]} (channels last) through {@code window}'s
     * padding and optional ELU: {@code out = im2col(x) W^T + bias}, where {@code weight} is
     * {@code [cout, kernel*cin]} in im2col's tap-major column order ({@link CodecLayouts#convWeight}).
     * The default gathers the whole {@link #im2col} matrix and runs {@link #linear}; a backend may
     * compute the same sums without materialising it.
     *
     * @param bias {@code [cout]} or null
     * @param out  {@code [batch, window.outFrames(frames), cout]}, not {@code x}
     */
    default void conv1d(Tensor x, ConvWindow window, MatrixWeight weight, Tensor bias, Tensor out, int batch,
                        int frames, int cin) {
        CodecChecks.conv1d(x.size(), window, weight, bias == null ? -1 : bias.size(), out.size(), batch, frames, cin);
        long rows = batch * window.outFrames(frames);
        Tensor columns = allocate(rows * window.columns(cin));
        try {
            im2col(x, null, window, columns, batch, frames, cin);
            linear(columns, weight, bias, Activation.NONE, out, TensorSizes.checked(rows));
        } finally {
            release(columns);
        }
    }

    /**
     * ELU (alpha 1) element-wise: {@code out[i] = x[i] > 0 ? x[i] : expm1(x[i])} for {@code i < size}.
     * {@code out} may be {@code x}.
     */
    void elu(Tensor x, Tensor out, int size);

    /** {@code out[i] = a[i] + b[i]} for {@code i < size} (a skip connection). {@code out} may be {@code a} or {@code b}. */
    void add(Tensor a, Tensor b, Tensor out, int size);

    /**
     * The second half of a transposed conv1d (the first is {@link #linear} with the weight
     * {@link CodecLayouts#transposedConvWeight permuted} to {@code [kernel*channels, cin]}), trimmed
     * by {@code trimLeft} frames on the left and cut at {@code framesOut}:
     * {@code out[b, t, co] = bias[co] + sum_k y[b, s/stride, k*channels + co]} over the taps
     * {@code k < kernel}, in increasing k, for which {@code s = t + trimLeft - k} is a multiple of
     * {@code stride} with {@code 0 <= s/stride < framesIn}. SEANet's upsampling by r is kernel 2r,
     * stride r, trimLeft ceil(r/2), framesOut = framesIn * r.
     *
     * @param y    {@code [batch, framesIn, kernel*channels]}
     * @param bias {@code [channels]} or null (0)
     * @param out  {@code [batch, framesOut, channels]}, not {@code y}
     */
    void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                    int kernel, int stride, int trimLeft);

    /**
     * The recurrence of one unidirectional LSTM layer (PyTorch's gate order i, f, g, o), frame by
     * frame from the state {@code (h, c)}: for t = 0..frames-1, with {@code a = gates[b, t, :] + h W_hh^T},
     * {@code c = sigmoid(a_f) c + sigmoid(a_i) tanh(a_g)}, {@code h = sigmoid(a_o) tanh(c)},
     * {@code out[b, t, :] = h}. The input half is the caller's: {@code gates = x W_ih^T + b_ih + b_hh}
     * for all frames at once by {@link #linear}. {@code h} and {@code c} are read at the start and hold
     * the final state at the end, so a chunked caller continues where it stopped (PyTorch's initial
     * state is zeros: {@link #allocate} gives that). fp32 throughout; devices launch one step per frame.
     *
     * @param gates {@code [batch, frames, 4*hidden]}
     * @param whh   {@code W_hh [4*hidden, hidden]} (PyTorch's {@code weight_hh_l*}), uploaded with {@link #uploadMatrix}
     * @param h     {@code [batch, hidden]} in and out
     * @param c     {@code [batch, hidden]} in and out
     * @param out   {@code [batch, frames, hidden]}, none of the other tensors
     */
    void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                        int hidden);

    /**
     * The codec's quantizer decode: {@code out[b, t, :] = sum_{q < levels} table[q*codebookSize +
     * codes[q, b, t], :]}, levels added in increasing order from level 0 (SpeechTokenizer's
     * {@code decode} of the first {@code levels} levels). Ids are not checked on the device: the
     * caller checks them before upload ({@link CodecLayouts#checkCodes}); an id outside
     * {@code [0, codebookSize)} reads a wrong row or outside the table.
     *
     * @param codes {@code [levels, batch, frames]} (level-major), at least the first {@code levels} levels
     * @param table {@code [levels*codebookSize, dim]}: level q's codebook in rows {@code q*codebookSize..}
     * @param out   {@code [batch, frames, dim]}
     */
    void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames, int codebookSize,
                     int dim);

    /**
     * The largest top-k truncation {@link #scoreTokens} handles ({@code 0 < topK < codebookSize});
     * {@link RowStep#pack} refuses larger ones. Unlimited by default.
     */
    default int maxTopK() {
        return Integer.MAX_VALUE;
    }

    /**
     * Draws a token and its confidence for every still-masked target position of each row's level
     * (where {@code tokens} holds the mask id), exactly as {@code sampler.TokenScorer} defines it, with
     * row b's own parameters from {@code steps} (level, iteration, top-k, stay, seed, 1/temperature,
     * choice noise): the argmax in a row this pass leaves with nothing masked (STAY == 0,
     * {@code sampler.MaskSchedule.greedy}), Gumbel-max sampling (top-k, {@code Purpose.TOKEN_GUMBEL}
     * draws) in the other rows; confidence = log-softmax of the drawn token plus the row's choice
     * noise times the {@code Purpose.CHOICE_GUMBEL} draw. Draws are keyed by the row's seed, sequence
     * id, level, iteration and the position {@code outputOffsets[b] + t - promptFrames[b]}. An idle row
     * (LEVEL {@link RowSteps#IDLE}) has no candidates.
     *
     * @param logits     {@code [batch, frames, codebookSize]}: row b's are the logits of row b's level
     * @param tokens     {@code [batch, frames, levels]}
     * @param steps      at least {@code batch} rows
     * @param drawn      out: {@code [batch, frames]}, the drawn token at candidate positions, 0 elsewhere
     * @param confidence out: {@code [batch, frames]}, the confidence at candidate positions and
     *                   +infinity everywhere else (prompt, padding, positions already fixed, idle rows)
     */
    void scoreTokens(Tensor logits, IntTensor tokens, DecodeLayout layout, RowSteps steps, IntTensor drawn,
                     Tensor confidence);

    /**
     * Commits the scored tokens: in each row b that is not idle, of the candidate positions (finite
     * confidence), the STAY least confident (ties: lower frame first) stay masked and every other one
     * gets its drawn token at the row's LEVEL of {@code tokens}.
     */
    void commitTokens(IntTensor drawn, Tensor confidence, RowSteps steps, IntTensor tokens, DecodeLayout layout);

    /**
     * {@code dst[b * rowSize .. (b + 1) * rowSize) = src[same]} for every {@code b < batch} whose LEVEL
     * in {@code steps} is {@code level}; the other rows of {@code dst} are left as they are (one level's
     * logits into a batch of rows at several levels).
     *
     * @param src {@code [batch, rowSize]}
     * @param dst {@code [batch, rowSize]}, not {@code src}
     */
    void selectRows(Tensor src, RowSteps steps, int level, Tensor dst, int batch, long rowSize);

    /**
     * Runs {@code ops}, a run of op calls on this backend that {@code key} fully determines: equal
     * keys (by {@code equals}) make the same calls with the same buffers, sizes and scalars, and
     * {@code ops} has no effect but those calls. A backend may therefore record the calls once and
     * replay the recording for a later equal key instead of running {@code ops} (the CUDA backend
     * captures a CUDA graph). Inputs that change between runs must live in device buffers.
     * The default runs {@code ops}.
     */
    default void replayable(Object key, Runnable ops) {
        ops.run();
    }

    /** Waits until every op enqueued so far has finished (for timing; reads wait by themselves). */
    void finish();

    /** Frees every tensor this backend made. Using them afterwards is an error. */
    @Override
    void close();
}
