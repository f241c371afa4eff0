package org.soundstorm4j.codec;

import org.soundstorm4j.backend.CodecLayouts;

/**
 * A decode fed frame by frame: frames are {@link #push pushed} as they become known (a long-form
 * generation's windows), and every sample that no later frame can change is handed to the
 * listener at once. The samples equal the whole decode's (the same {@code DecodeRun}): a pushed
 * frame's audio is final once {@link ReceptiveField#lookaheadFrames()} more frames are in (and at
 * least {@link ReceptiveField#startFrames()} in all), or when the last frame is. Made by
 * {@link Codec#stream}; calls on one codec take turns with its other calls. Closing before the
 * last frame frees the device state and emits nothing more.
 */
public final class CodecStream implements AutoCloseable {
    private final Codec codec;
    private final DecodeRun run;
    /** Codes {@code [levels, 1, frames]}, filled by {@link #push}. */
    private final int[] codes;
    private final int levels;
    private final int frames;
    private final AudioListener listener;
    private int filled;
    private int emitted;
    private boolean closed;

    CodecStream(Codec codec, DecodeRun run, int[] codes, int levels, int frames, AudioListener listener) {
        this.codec = codec;
        this.run = run;
        this.codes = codes;
        this.levels = levels;
        this.frames = frames;
        this.listener = listener;
    }

    /**
     * Appends the next frames' codes {@code [levels][n]} (level-major, as {@link Codec#decode(int[][][])}
     * takes them for one row) and emits what became final.
     *
     * @throws IllegalArgumentException before any work, naming the frame, level and value that is
     *                                  wrong, or for more frames than the stream was made for
     */
    public void push(int[][] next) {
        synchronized (codec) {
            if (closed) {
                throw new IllegalStateException("codec stream is closed");
            }
            if (next.length != levels) {
                throw new IllegalArgumentException(next.length + " levels pushed, the stream decodes " + levels);
            }
            int n = next[0] == null ? 0 : next[0].length;
            if (n > frames - filled) {
                throw new IllegalArgumentException(n + " frames pushed after " + filled + " of " + frames);
            }
            int[] chunk = new int[levels * n];
            for (int q = 0; q < levels; q++) {
                if (next[q] == null || next[q].length != n) {
                    throw new IllegalArgumentException("level " + q + " has " + (next[q] == null ? 0 : next[q].length)
                            + " frames pushed, level 0 has " + n);
                }
                System.arraycopy(next[q], 0, chunk, q * n, n);
            }
            try {
                CodecLayouts.checkCodes(chunk, levels, 1, n, codec.config().codebookSize());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("frames [" + filled + ", " + (filled + n) + ") pushed: "
                        + e.getMessage(), e);
            }
            for (int q = 0; q < levels; q++) {
                System.arraycopy(chunk, q * n, codes, q * frames + filled, n);
            }
            filled += n;
            // a frame's samples are final once its look-ahead is in (and the frames the start's
            // reflect padding reads), or at the sequence's end
            ReceptiveField field = codec.receptiveField();
            int ready = filled == frames ? frames
                    : filled < field.startFrames() ? emitted : Math.max(emitted, filled - field.lookaheadFrames());
            if (ready > emitted) {
                int hop = codec.config().hop();
                float[][] out = new float[1][(ready - emitted) * hop];
                run.emit(ready, out, 0);
                long offset = (long) emitted * hop;
                emitted = ready;
                listener.onChunk(0, offset, out[0]);
            }
            if (emitted == frames) {
                close();
            }
        }
    }

    /** Frames pushed so far. */
    public int pushedFrames() {
        synchronized (codec) {
            return filled;
        }
    }

    /** Whether every frame has been pushed and its audio emitted. */
    public boolean isComplete() {
        synchronized (codec) {
            return emitted == frames;
        }
    }

    /** Frees the decode's device state. Idempotent. */
    @Override
    public void close() {
        synchronized (codec) {
            if (!closed) {
                closed = true;
                run.close();
            }
        }
    }
}
