package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.CodecChecks;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.PadMode;
import org.soundstorm4j.backend.Tensor;

/**
 * The CUDA backend's codec ops: argument checks ({@link CodecChecks}) and launches of the
 * portable kernels ({@code im2col.clh}, {@code elu.clh}, ...) compiled into the fatbin by
 * {@code kernels/soundstorm4j.cu}. Launches go to the backend's stream, so they are captured by
 * {@code replayable} like every other op.
 */
final class CudaCodecOps {
    private final CudaBackend cuda;
    private final int block;

    CudaCodecOps(CudaBackend cuda, int elementwiseBlock) {
        this.cuda = cuda;
        this.block = elementwiseBlock;
    }

    void im2col(Tensor x, IntTensor lengths, ConvWindow w, Tensor out, int batch, int frames, int channels) {
        CudaBuffer in = cuda.floats(x);
        CudaBuffer o = cuda.floats(out);
        CudaBuffer len = lengths == null ? null : cuda.ints(lengths);
        if (in.address() == o.address()) {
            throw new IllegalArgumentException("im2col: out must not be the input");
        }
        int outFrames = CodecChecks.im2col(in.size(), len == null ? -1 : len.size(), w, o.size(), batch, frames,
                channels);
        cuda.launch("im2col", CudaBackend.blocks((long) batch * outFrames * w.columns(channels), block), 1, block, in,
                len, o, batch, frames, channels, outFrames, len == null ? 0 : 1, w.kernel(), w.dilation(), w.padLeft(),
                w.padRight(), w.padMode() == PadMode.REFLECT ? 1 : 0, w.eluInput() ? 1 : 0);
    }

    void elu(Tensor x, Tensor out, int size) {
        CudaBuffer in = cuda.floats(x);
        CudaBuffer o = cuda.floats(out);
        CodecChecks.elu(in.size(), o.size(), size);
        cuda.launch("elu", CudaBackend.blocks(size, block), 1, block, in, o, size);
    }

    void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames, int codebookSize,
                     int dim) {
        CudaBuffer ids = cuda.ints(codes);
        CudaBuffer tab = cuda.floats(table);
        CudaBuffer o = cuda.floats(out);
        CodecChecks.codebookSum(ids.size(), tab.size(), o.size(), levels, batch, frames, codebookSize, dim);
        cuda.launch("codebook_sum", CudaBackend.blocks((long) batch * frames * dim, block), 1, block, ids, tab, o,
                levels, batch, frames, codebookSize, dim);
    }

    /**
     * One {@code lstm_step} launch per frame on the stream, then {@code lstm_save_h}: each step needs
     * every unit's h of the step before, and a launch boundary is the portable grid-wide barrier.
     * Inside {@code replayable} the launches are captured into the graph like any other, so a replay
     * costs one graph launch, not a Java call per frame. Under BF16 products {@code uploadMatrix}
     * keeps only a bf16 copy of W_hh, which {@code lstm_step_bf16} reads (h, c and the sums stay fp32).
     */
    void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                        int hidden) {
        CudaBuffer g = cuda.floats(gates);
        CudaMatrix w = cuda.matrix(whh);
        CudaBuffer hs = cuda.floats(h);
        CudaBuffer cs = cuda.floats(c);
        CudaBuffer o = cuda.floats(out);
        if (o.address() == g.address() || o.address() == hs.address() || o.address() == cs.address()
                || hs.address() == cs.address()) {
            throw new IllegalArgumentException("lstmRecurrence: out, h and c must be distinct tensors");
        }
        CodecChecks.lstmRecurrence(g.size(), w, hs.size(), cs.size(), o.size(), batch, frames, hidden);
        long blocks = CudaBackend.blocks((long) batch * hidden, block);
        String step = w.data().kind() == CudaBuffer.Kind.BF16 ? "lstm_step_bf16" : "lstm_step";
        for (int t = 0; t < frames; t++) {
            cuda.launch(step, blocks, 1, block, g, w.data(), t == 0 ? hs : o, t == 0 ? 0 : (t - 1) * hidden,
                    t == 0 ? hidden : frames * hidden, cs, o, batch, frames, hidden, t);
        }
        cuda.launch("lstm_save_h", blocks, 1, block, o, hs, batch, frames, hidden);
    }

    void add(Tensor a, Tensor b, Tensor out, int size) {
        CudaBuffer x = cuda.floats(a);
        CudaBuffer y = cuda.floats(b);
        CudaBuffer o = cuda.floats(out);
        CodecChecks.add(x.size(), y.size(), o.size(), size);
        cuda.launch("add_tensors", CudaBackend.blocks(size, block), 1, block, x, y, o, size);
    }

    void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                    int kernel, int stride, int trimLeft) {
        CudaBuffer in = cuda.floats(y);
        CudaBuffer bi = bias == null ? null : cuda.floats(bias);
        CudaBuffer o = cuda.floats(out);
        if (in.address() == o.address()) {
            throw new IllegalArgumentException("overlapAdd: out must not be the input");
        }
        CodecChecks.overlapAdd(in.size(), bi == null ? -1 : bi.size(), o.size(), batch, framesIn, framesOut, channels,
                kernel, stride, trimLeft);
        cuda.launch("overlap_add", CudaBackend.blocks((long) batch * framesOut * channels, block), 1, block, in, bi, o,
                batch, framesIn, framesOut, channels, kernel, stride, trimLeft);
    }
}
