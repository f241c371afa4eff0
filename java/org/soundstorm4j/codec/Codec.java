package org.soundstorm4j.codec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.CodecLayouts;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.WeightsException;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A SEANet codec's decoder (codes to waveform) on a {@link Backend}: the sum of the first k
 * levels' codebook vectors, then SEANet's decoder, as {@code SpeechTokenizer.decode} computes it,
 * or with a causal config ({@link CodecConfig#encodec24khz}) as EnCodec's {@code EncodecModel.decode}
 * does (float32; within 1e-4 of the peak of PyTorch's waveform for the released shapes of both,
 * 1e-5 absolute for the small fixtures).
 *
 * <p><b>Memory.</b> The decode runs in time slices (see {@code DecodeRun}): the LSTM over every
 * frame with its state carried, and every layer after it over a window of at most
 * {@link #sliceFrames(int)} frames plus the receptive field's few frames of context, whose extra
 * samples are computed and dropped. The largest activation is the last conv's im2col on a device
 * backend (the CPU backend reads a conv's input in place), {@code batch x sliceFrames x hop x 7 N}
 * floats, held under {@value #SLICE_BYTES} bytes (about
 * 64 MiB), so decoding 1500 frames (30 s) needs the weights plus ~100 MB of activations whatever its
 * length; the result itself is {@code batch x frames x hop} floats.
 *
 * <p><b>Streaming.</b> {@link #decode(int[][][], int, AudioListener)} hands each chunk of frames
 * to a listener as soon as it is decoded, and the chunks together equal {@link #decode(int[][][])}.
 * Look-ahead: a sample of frame f depends on every earlier frame (the LSTM) and on the codes up to
 * frame {@code f + }{@link ReceptiveField#lookaheadFrames()} (4 frames, 80 ms, for the released
 * configuration: 3 for the first conv and 1 for the convs after the LSTM; 5 for the small
 * fixture), so a real-time source can emit chunk {@code [a, b)} once it has frame {@code b - 1 +} that many.
 * A causal decoder (EnCodec) has look-ahead 0: a frame's samples are final once it is in, after
 * the first {@link ReceptiveField#startFrames()} (7) frames, which the first conv's reflect padding
 * mirrors into the start.
 *
 * <p>The codec owns its backend: {@link #close()} closes it, and so does a failed {@link #load}.
 * One call at a time ({@code synchronized}); a refused input leaves the codec usable.
 */
public final class Codec implements AutoCloseable {
    /** The most bytes the largest activation of one time slice may take. */
    static final long SLICE_BYTES = 64L << 20;

    private final CodecConfig config;
    private final ReceptiveField field;
    private final Backend backend;
    private final SeanetDecoder net;
    private final List<String> notes;
    private boolean closed;
    private int fixedSliceFrames;

    private Codec(CodecConfig config, Backend backend, NamedTensors tensors, List<String> notes) {
        this.config = config;
        this.field = ReceptiveField.of(config);
        this.backend = backend;
        List<String> all = new ArrayList<>(notes);
        all.addAll(CodecWeights.check(config, tensors));
        this.net = SeanetDecoder.upload(config, backend, tensors);
        this.notes = List.copyOf(all);
    }

    /**
     * Loads a codec onto {@code backend} (which the codec then owns) from a SpeechTokenizer release
     * folder ({@code config.json} + {@code SpeechTokenizer.pt}, read by the safe {@code .pt} reader:
     * nothing in it is executed), EnCodec's 24 kHz release ({@code encodec_24khz-d7cc33bc.th} alone:
     * its config is implied), a folder of a {@code config.json} and one {@code .pt} or {@code .th}, a
     * converted folder ({@code config.json} + {@code model.safetensors}), or the checkpoint file
     * itself (its folder's {@code config.json}).
     * Every decoder and quantizer tensor is checked against the config first; the encoder's and the
     * codebooks' training buffers are not needed and are listed in {@link #notes()}. The weight norm
     * is folded once, then the file is closed.
     *
     * @throws WeightsException          naming the file and the missing or misshapen tensors
     * @throws IllegalArgumentException  naming the config key that is missing or out of range
     */
    public static Codec load(Path folderOrPt, Backend backend) {
        NamedTensors tensors = null;
        try {
            CodecRelease release = CodecRelease.find(folderOrPt);
            List<String> notes = new ArrayList<>(release.notes());
            if (release.weights().getFileName().toString().endsWith(".safetensors")) {
                tensors = SafeTensors.open(release.weights());
            } else {
                TorchCheckpoint pt = TorchCheckpoint.open(release.weights());
                tensors = pt;
                notes.addAll(pt.notes());
            }
            Codec codec = new Codec(release.config(), backend, tensors, notes);
            NamedTensors done = tensors;
            tensors = null;
            done.close();
            return codec;
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, backend, tensors);
            throw failure;
        }
    }

    /**
     * A codec of {@code tensors} (checked against {@code config}, uploaded; the caller closes
     * them) on {@code backend}, which the codec owns, closed too if this fails.
     */
    static Codec create(CodecConfig config, NamedTensors tensors, Backend backend) {
        try {
            return new Codec(config, backend, tensors, List.of());
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, backend);
            throw failure;
        }
    }

    public CodecConfig config() {
        return config;
    }

    /** The analytic receptive field of this codec's decoder. */
    public ReceptiveField receptiveField() {
        return field;
    }

    /** What the load skipped on purpose: unused config keys, unused tensors, the .pt reader's notes. */
    public List<String> notes() {
        return notes;
    }

    /**
     * Decodes codes {@code [levels][batch][frames]} (levels 1..n_q: the first levels, as
     * SpeechTokenizer's {@code decode}; every row the same number of frames) to waveforms
     * {@code [batch][frames * hop]} at {@link CodecConfig#sampleRate()} Hz, unclipped.
     *
     * @throws IllegalArgumentException before any work, naming the level, row, frame and value of
     *                                  an id outside {@code [0, codebook_size)}, or what is wrong with the shape
     */
    public synchronized float[][] decode(int[][][] codes) {
        Checked in = check(codes);
        float[][] out = new float[in.batch][in.frames * config.hop()];
        try (DecodeRun run = run(in)) {
            run.emit(in.frames, out, 0);
        }
        return out;
    }

    /**
     * Decodes as {@link #decode(int[][][])} does, chunk by chunk of {@code chunkFrames} frames (the
     * last may be shorter), calling {@code listener} with each row's samples of a chunk as soon as
     * they are final; the chunks together equal the whole decode (to float rounding). See the
     * class comment for the look-ahead.
     *
     * @throws IllegalArgumentException before any work, as {@link #decode(int[][][])}, or for
     *                                  {@code chunkFrames < 1}
     */
    public synchronized void decode(int[][][] codes, int chunkFrames, AudioListener listener) {
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("chunkFrames must be at least 1, got " + chunkFrames);
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        Checked in = check(codes);
        int hop = config.hop();
        try (DecodeRun run = run(in)) {
            for (int a = 0; a < in.frames; a += chunkFrames) {
                int b = Math.min(in.frames, a + chunkFrames);
                float[][] chunk = new float[in.batch][(b - a) * hop];
                run.emit(b, chunk, 0);
                for (int r = 0; r < in.batch; r++) {
                    listener.onChunk(r, (long) a * hop, chunk[r]);
                }
            }
        }
    }

    /**
     * Opens a decode of one row of {@code frames} frames whose codes (levels {@code 0..levels-1})
     * arrive in order through {@link CodecStream#push}; each chunk of final samples goes to
     * {@code listener} as row 0. Close the stream if it is abandoned before its last frame.
     *
     * @throws IllegalArgumentException for levels outside {@code [1, n_q]}, {@code frames < 1} or a null listener
     */
    public synchronized CodecStream stream(int levels, int frames, AudioListener listener) {
        if (closed) {
            throw new IllegalStateException("codec is closed");
        }
        if (levels < 1 || levels > config.nQ()) {
            throw new IllegalArgumentException("stream: " + levels + " levels, need 1 to n_q " + config.nQ());
        }
        if (frames < 1 || (long) frames * config.hop() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("stream: " + frames + " frames, need 1 to "
                    + (Integer.MAX_VALUE - 8) / config.hop());
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        int[] codes = new int[Math.multiplyExact(levels, frames)];
        DecodeRun run = run(new Checked(codes, levels, 1, frames));
        return new CodecStream(this, run, codes, levels, frames, listener);
    }

    /** Frames per time slice for {@code batch} rows, at least 1: the last conv's im2col under {@link #SLICE_BYTES}. */
    public int sliceFrames(int batch) {
        if (fixedSliceFrames > 0) {
            return fixedSliceFrames;
        }
        long perFrame = (long) batch * config.hop() * CodecConfig.KERNEL * config.nFilters() * Float.BYTES;
        return (int) Math.max(1, Math.min(1 << 20, SLICE_BYTES / perFrame));
    }

    /** Fixes the slice length at {@code frames} (0: from the memory budget again), so tests can cut short inputs. */
    synchronized void fixSliceFrames(int frames) {
        this.fixedSliceFrames = frames;
    }

    private DecodeRun run(Checked in) {
        return new DecodeRun(net, backend, config, field, in.flat, in.levels, in.batch, in.frames,
                sliceFrames(in.batch));
    }

    private record Checked(int[] flat, int levels, int batch, int frames) {
    }

    private Checked check(int[][][] codes) {
        if (closed) {
            throw new IllegalStateException("codec is closed");
        }
        if (codes == null || codes.length == 0) {
            throw new IllegalArgumentException("codes: no levels (need 1 to n_q " + config.nQ() + ")");
        }
        if (codes.length > config.nQ()) {
            throw new IllegalArgumentException("codes: " + codes.length + " levels, more than n_q " + config.nQ());
        }
        int levels = codes.length;
        if (codes[0] == null || codes[0].length == 0) {
            throw new IllegalArgumentException("codes: level 0 has no batch rows");
        }
        int batch = codes[0].length;
        if (codes[0][0] == null || codes[0][0].length == 0) {
            throw new IllegalArgumentException("codes: level 0, row 0 has no frames");
        }
        int frames = codes[0][0].length;
        if ((long) frames * config.hop() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("codes: " + frames + " frames make more samples than an array holds");
        }
        int[] flat = new int[Math.multiplyExact(Math.multiplyExact(levels, batch), frames)];
        for (int q = 0; q < levels; q++) {
            if (codes[q] == null || codes[q].length != batch) {
                throw new IllegalArgumentException("codes: level " + q + " has " + (codes[q] == null ? 0 : codes[q].length)
                        + " rows, level 0 has " + batch);
            }
            for (int b = 0; b < batch; b++) {
                int[] row = codes[q][b];
                if (row == null || row.length != frames) {
                    throw new IllegalArgumentException("codes: level " + q + ", row " + b + " has "
                            + (row == null ? 0 : row.length) + " frames, level 0 row 0 has " + frames);
                }
                System.arraycopy(row, 0, flat, (q * batch + b) * frames, frames);
            }
        }
        CodecLayouts.checkCodes(flat, levels, batch, frames, config.codebookSize());
        return new Checked(flat, levels, batch, frames);
    }

    /** Closes the backend, freeing every weight. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }
}
