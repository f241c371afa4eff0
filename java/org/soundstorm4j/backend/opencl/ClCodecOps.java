package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.CodecChecks;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.PadMode;
import org.soundstorm4j.backend.Tensor;

/**
 * The OpenCL backend's codec ops: argument checks ({@link CodecChecks}) and launches of the
 * portable kernels {@code im2col.clh}, {@code elu.clh}, ... from the backend's one program.
 */
final class ClCodecOps {
    private final OpenClBackend cl;
    private final long program;
    private final int group;

    ClCodecOps(OpenClBackend cl, long program, int elementwiseGroup) {
        this.cl = cl;
        this.program = program;
        this.group = elementwiseGroup;
    }

    void im2col(Tensor x, IntTensor lengths, ConvWindow w, Tensor out, int batch, int frames, int channels) {
        ClTensor in = cl.floats(x);
        ClTensor o = cl.floats(out);
        ClTensor len = lengths == null ? null : cl.ints(lengths);
        if (in.mem() == o.mem()) {
            throw new IllegalArgumentException("im2col: out must not be the input");
        }
        int outFrames = CodecChecks.im2col(in.size(), len == null ? -1 : len.size(), w, o.size(), batch, frames,
                channels);
        cl.launch(cl.kernel(program, "im2col"), new long[] {(long) batch * outFrames * w.columns(channels)},
                new long[] {group}, in, len, o, batch, frames, channels, outFrames, len == null ? 0 : 1, w.kernel(),
                w.dilation(), w.padLeft(), w.padRight(), w.padMode() == PadMode.REFLECT ? 1 : 0, w.eluInput() ? 1 : 0);
    }

    void elu(Tensor x, Tensor out, int size) {
        ClTensor in = cl.floats(x);
        ClTensor o = cl.floats(out);
        CodecChecks.elu(in.size(), o.size(), size);
        cl.launch(cl.kernel(program, "elu"), new long[] {size}, new long[] {group}, in, o, size);
    }

    void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames, int codebookSize,
                     int dim) {
        ClTensor ids = cl.ints(codes);
        ClTensor tab = cl.floats(table);
        ClTensor o = cl.floats(out);
        CodecChecks.codebookSum(ids.size(), tab.size(), o.size(), levels, batch, frames, codebookSize, dim);
        cl.launch(cl.kernel(program, "codebook_sum"), new long[] {(long) batch * frames * dim}, new long[] {group}, ids,
                tab, o, levels, batch, frames, codebookSize, dim);
    }

    /**
     * One {@code lstm_step} launch per frame on the in-order queue (each step needs every unit's h
     * of the step before, a grid-wide dependency that OpenCL 1.2 can only express between
     * launches), then {@code lstm_save_h}.
     */
    void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                        int hidden) {
        ClTensor g = cl.floats(gates);
        ClMatrix w = cl.matrix(whh);
        ClTensor hs = cl.floats(h);
        ClTensor cs = cl.floats(c);
        ClTensor o = cl.floats(out);
        if (o.mem() == g.mem() || o.mem() == hs.mem() || o.mem() == cs.mem() || hs.mem() == cs.mem()) {
            throw new IllegalArgumentException("lstmRecurrence: out, h and c must be distinct tensors");
        }
        CodecChecks.lstmRecurrence(g.size(), w, hs.size(), cs.size(), o.size(), batch, frames, hidden);
        long step = cl.kernel(program, "lstm_step");
        long[] global = {(long) batch * hidden};
        long[] local = {group};
        for (int t = 0; t < frames; t++) {
            cl.launch(step, global, local, g, w.data(), t == 0 ? hs : o, t == 0 ? 0 : (t - 1) * hidden,
                    t == 0 ? hidden : frames * hidden, cs, o, batch, frames, hidden, t);
        }
        cl.launch(cl.kernel(program, "lstm_save_h"), global, local, o, hs, batch, frames, hidden);
    }

    void add(Tensor a, Tensor b, Tensor out, int size) {
        ClTensor x = cl.floats(a);
        ClTensor y = cl.floats(b);
        ClTensor o = cl.floats(out);
        CodecChecks.add(x.size(), y.size(), o.size(), size);
        cl.launch(cl.kernel(program, "add_tensors"), new long[] {size}, new long[] {group}, x, y, o, size);
    }

    void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                    int kernel, int stride, int trimLeft) {
        ClTensor in = cl.floats(y);
        ClTensor bi = bias == null ? null : cl.floats(bias);
        ClTensor o = cl.floats(out);
        if (in.mem() == o.mem()) {
            throw new IllegalArgumentException("overlapAdd: out must not be the input");
        }
        CodecChecks.overlapAdd(in.size(), bi == null ? -1 : bi.size(), o.size(), batch, framesIn, framesOut, channels,
                kernel, stride, trimLeft);
        cl.launch(cl.kernel(program, "overlap_add"), new long[] {(long) batch * framesOut * channels},
                new long[] {group}, in, bi, o, batch, framesIn, framesOut, channels, kernel, stride, trimLeft);
    }
}
