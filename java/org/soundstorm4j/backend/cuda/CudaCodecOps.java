package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.CodecChecks;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.IntTensor;
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
