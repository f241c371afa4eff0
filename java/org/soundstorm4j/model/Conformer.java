package org.soundstorm4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * The SoundStorm network, written once against {@link Backend} ops: input embedding, {@code depth}
 * Conformer blocks, and the logit heads: one level's for the whole batch, or each row's own level's.
 * Weights are uploaded once at construction; activations live in one {@link Workspace} sized by
 * capacity, which serves every batch shape that fits and is replaced by a larger one (the old one
 * released) when a batch does not.
 *
 * <p>Not thread-safe: one forward pass at a time per instance.
 */
public final class Conformer {
    private final Backend backend;
    private final ModelConfig config;
    private final Tensor codeEmbeds;
    private final Tensor semanticEmbeds;
    private final List<LayerWeights> layers;
    private final Tensor headsNormWeight;
    private final Tensor headsNormBias;
    private final List<HeadWeights> heads;
    /** The activations: null until the first pass, grown when a batch does not fit. */
    private Workspace workspace;

    /**
     * Uploads the weights of {@code checkpoint} to {@code backend}, reading each matrix in place
     * from the file. Afterwards nothing refers to the checkpoint: close it to unmap the file, so
     * that its pages no longer count in the process's resident memory.
     */
    public Conformer(Checkpoint checkpoint, Backend backend) {
        this.backend = backend;
        this.config = checkpoint.config();
        this.codeEmbeds = backend.upload(checkpoint.floats(TensorNames.CODE_EMBEDDING));
        this.semanticEmbeds = backend.upload(checkpoint.floats(TensorNames.SEMANTIC_EMBEDDING));
        this.layers = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            layers.add(LayerWeights.upload(checkpoint, backend, i));
            checkpoint.dropPages(TensorNames.layer(i));
        }
        boolean projected = config.logitHead() == LogitHead.PROJECTED;
        this.headsNormWeight = projected ? backend.upload(checkpoint.floats(TensorNames.HEADS_NORM_WEIGHT)) : null;
        this.headsNormBias = projected ? backend.upload(checkpoint.floats(TensorNames.HEADS_NORM_BIAS)) : null;
        this.heads = new ArrayList<>();
        for (int q = 0; q < config.numQuantizers(); q++) {
            heads.add(HeadWeights.upload(checkpoint, backend, q));
        }
        checkpoint.dropPages("");
    }

    public ModelConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Logits of one level, on the host, after checking every input.
     *
     * @param tokens   {@code [batch, frames, Q]} acoustic ids in {@code [0, C]}, C = mask
     * @param semantic {@code [batch, frames]} semantic ids at the codec frame rate
     * @param lengths  {@code [batch]} valid frames per sequence, each in {@code [1, frames]};
     *                 frames beyond a length are ignored
     * @param level    the RVQ level q whose logits are wanted, {@code [0, Q)}
     * @return {@code [batch, frames, C]} logits; rows of padded frames are unspecified
     */
    public float[] logits(int[] tokens, int[] semantic, int[] lengths, int batch, int frames, int level) {
        InputCheck.check(config, tokens, semantic, lengths, batch, frames, level);
        Workspace ws = workspace(batch, frames);
        backend.write(ws.tokens, tokens);
        backend.write(ws.semantic, semantic);
        backend.write(ws.lengths, lengths);
        Tensor out = forward(ws.tokens, ws.semantic, ws.lengths, batch, frames, level);
        float[] host = new float[batch * frames * config.codebookSize()];
        backend.read(out, host);
        return host;
    }

    /**
     * One forward pass on device-resident inputs (already checked by the caller), one level's head
     * for every row. Returns the workspace's logits tensor {@code [batch, frames, C]} (it may hold
     * more: its capacity), overwritten by the next pass.
     */
    public Tensor forward(IntTensor tokens, IntTensor semantic, IntTensor lengths, int batch, int frames, int level) {
        checkLevel(level);
        Workspace ws = trunk(tokens, semantic, lengths, batch, frames);
        head(ws, level, ws.logits, batch * frames);
        return ws.logits;
    }

    /**
     * One forward pass whose rows are at different levels: row b's logits are those of its LEVEL in
     * {@code steps} (an idle row's are unspecified). With one level its head writes the logits
     * directly; with several, each level's head runs over all rows into a scratch tensor and
     * {@link Backend#selectRows} copies that level's rows into the logits.
     *
     * @param levels the distinct levels of the rows that are not idle, ascending, at least one
     * @return the workspace's logits tensor {@code [batch, frames, C]}, overwritten by the next pass
     */
    public Tensor forward(IntTensor tokens, IntTensor semantic, IntTensor lengths, int batch, int frames,
                          RowSteps steps, int[] levels) {
        if (levels.length == 0) {
            throw new IllegalArgumentException("no level to compute");
        }
        for (int i = 0; i < levels.length; i++) {
            checkLevel(levels[i]);
            if (i > 0 && levels[i] <= levels[i - 1]) {
                throw new IllegalArgumentException("levels must be distinct and ascending: " + Arrays.toString(levels));
            }
        }
        Workspace ws = trunk(tokens, semantic, lengths, batch, frames);
        int rows = batch * frames;
        if (levels.length == 1) {
            head(ws, levels[0], ws.logits, rows);
            return ws.logits;
        }
        Tensor scratch = ws.levelLogits(backend, config);
        for (int level : levels) {
            head(ws, level, scratch, rows);
            backend.selectRows(scratch, steps, level, ws.logits, batch, (long) frames * config.codebookSize());
        }
        return ws.logits;
    }

    /**
     * Bytes of device memory one (row, frame) position of a pass takes: the workspace's activations
     * (with the scratch logits of a mixed-level pass) and the decoder's buffers, weights excluded. A
     * pass over {@code rows * frames} positions needs that many times this.
     */
    public static long bytesPerPosition(ModelConfig c) {
        long floats = 2L * c.dim() + c.ffDim() + 4L * c.innerDim() + 4L * c.convDim() + 2L * c.codebookSize();
        long ints = 2L * c.numQuantizers() + 3;
        return 4 * (floats + ints + 1);
    }

    private void checkLevel(int level) {
        if (level < 0 || level >= config.numQuantizers()) {
            throw new IllegalArgumentException("level " + level + " outside [0, " + config.numQuantizers() + ")");
        }
    }

    /** The embedding and the Conformer blocks: leaves the blocks' output in the workspace's x. */
    private Workspace trunk(IntTensor tokens, IntTensor semantic, IntTensor lengths, int batch, int frames) {
        Workspace ws = workspace(batch, frames);
        int rows = batch * frames;
        int d = config.dim();
        backend.embedSum(tokens, semantic, lengths, codeEmbeds, semanticEmbeds, ws.x, batch, frames,
                config.numQuantizers(), config.codebookSize(), d);
        AttentionShape attention = new AttentionShape(batch, frames, config.heads(), config.dimHead());
        for (LayerWeights w : layers) {
            feedForward(w.ff1(), ws, rows);

            backend.layerNorm(ws.x, w.attnNormWeight(), w.attnNormBias(), ws.normed, rows, d);
            backend.linear(ws.normed, w.toQ(), null, Activation.NONE, ws.q, rows);
            backend.linear(ws.normed, w.toKv(), null, Activation.NONE, ws.kv, rows);
            backend.attention(ws.q, ws.kv, lengths, attention, ws.attended);
            backend.linearAccumulate(ws.attended, w.toOut(), w.toOutBias(), 1f, ws.x, rows);

            backend.layerNorm(ws.x, w.convNormWeight(), w.convNormBias(), ws.normed, rows, d);
            backend.linear(ws.normed, w.pointwiseIn(), w.pointwiseInBias(), Activation.NONE, ws.convWide, rows);
            backend.glu(ws.convWide, ws.convGated, rows, config.convDim());
            backend.depthwiseConvSwish(ws.convGated, w.depthwiseWeight(), w.depthwiseBias(), lengths, ws.convMixed,
                    batch, frames, config.convDim(), config.convKernelSize());
            backend.chanNorm(ws.convMixed, w.chanNormGamma(), ws.convMixed, rows, config.convDim());
            backend.linearAccumulate(ws.convMixed, w.pointwiseOut(), w.pointwiseOutBias(), 1f, ws.x, rows);

            feedForward(w.ff2(), ws, rows);
            backend.layerNorm(ws.x, w.postNormWeight(), w.postNormBias(), ws.x, rows, d);
        }
        return ws;
    }

    /** Level {@code level}'s head over all rows of the workspace's x (left as it is) into {@code out}. */
    private void head(Workspace ws, int level, Tensor out, int rows) {
        HeadWeights head = heads.get(level);
        Tensor headInput = ws.x;
        if (head.projection() != null) {
            backend.linear(ws.x, head.projection(), head.projectionBias(), Activation.NONE, ws.normed, rows);
            backend.layerNorm(ws.normed, headsNormWeight, headsNormBias, ws.normed, rows, config.dim());
            headInput = ws.normed;
        }
        backend.linear(headInput, head.logits(), head.logitsBias(), Activation.NONE, out, rows);
    }

    /** {@code x += 0.5 * Linear(Swish(Linear(LayerNorm(x))))}: the half-step feed-forward module. */
    private void feedForward(LayerWeights.FeedForwardWeights w, Workspace ws, int rows) {
        backend.layerNorm(ws.x, w.normWeight(), w.normBias(), ws.normed, rows, config.dim());
        backend.linear(ws.normed, w.in(), w.inBias(), Activation.SWISH, ws.ffHidden, rows);
        backend.linearAccumulate(ws.ffHidden, w.out(), w.outBias(), 0.5f, ws.x, rows);
    }

    /** The workspace, replaced by a larger one (the old one released) when this shape does not fit. */
    private Workspace workspace(int batch, int frames) {
        long rows = (long) batch * frames;
        if (workspace != null && batch <= workspace.batchCapacity && rows <= workspace.rowCapacity) {
            return workspace;
        }
        int batchCapacity = batch;
        long rowCapacity = rows;
        if (workspace != null) {
            batchCapacity = Math.max(batchCapacity, workspace.batchCapacity);
            rowCapacity = Math.max(rowCapacity, workspace.rowCapacity);
            workspace.release(backend);
            workspace = null;
        }
        workspace = new Workspace(backend, config, batchCapacity, rowCapacity);
        return workspace;
    }

    /**
     * Activations for every batch of at most {@code batchCapacity} sequences and {@code rowCapacity}
     * (sequence, frame) rows, allocated once and reused by every pass that fits.
     */
    private static final class Workspace {
        final int batchCapacity;
        final long rowCapacity;
        final IntTensor tokens;
        final IntTensor semantic;
        final IntTensor lengths;
        final Tensor x;
        final Tensor normed;
        final Tensor ffHidden;
        final Tensor q;
        final Tensor kv;
        final Tensor attended;
        final Tensor convWide;
        final Tensor convGated;
        final Tensor convMixed;
        final Tensor logits;
        /** One level's logits for all rows before {@code selectRows}: made by the first pass with several levels. */
        private Tensor levelLogits;

        Workspace(Backend be, ModelConfig c, int batchCapacity, long rowCapacity) {
            this.batchCapacity = batchCapacity;
            this.rowCapacity = rowCapacity;
            long rows = rowCapacity;
            tokens = be.allocateInts(rows * c.numQuantizers());
            semantic = be.allocateInts(rows);
            lengths = be.allocateInts(batchCapacity);
            x = be.allocate(rows * c.dim());
            normed = be.allocate(rows * c.dim());
            ffHidden = be.allocate(rows * c.ffDim());
            q = be.allocate(rows * c.innerDim());
            kv = be.allocate(rows * 2 * c.innerDim());
            attended = be.allocate(rows * c.innerDim());
            convWide = be.allocate(rows * 2 * c.convDim());
            convGated = be.allocate(rows * c.convDim());
            convMixed = be.allocate(rows * c.convDim());
            logits = be.allocate(rows * c.codebookSize());
        }

        Tensor levelLogits(Backend be, ModelConfig c) {
            if (levelLogits == null) {
                levelLogits = be.allocate(rowCapacity * c.codebookSize());
            }
            return levelLogits;
        }

        void release(Backend be) {
            for (DeviceBuffer b : new DeviceBuffer[] {tokens, semantic, lengths, x, normed, ffHidden, q, kv, attended,
                    convWide, convGated, convMixed, logits}) {
                be.release(b);
            }
            if (levelLogits != null) {
                be.release(levelLogits);
            }
        }
    }
}
