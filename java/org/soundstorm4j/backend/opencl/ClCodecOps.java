package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.CodecChecks;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.IntTensor;
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
