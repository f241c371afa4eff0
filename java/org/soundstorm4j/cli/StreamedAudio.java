package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.CodecInput;
import org.soundstorm4j.codec.CodecStream;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.ModelConfig;

/**
 * {@code generate --codec --wav}: one {@link CodecStream} per utterance, fed each generated window
 * as soon as it is final (with the semantic ids as level 0 where the model's pairing says so), so
 * the audio is decoded while the generation goes on. The samples are kept until {@link #write},
 * since a WAV file is written whole or not at all.
 */
final class StreamedAudio implements AutoCloseable {
    private final List<int[]> levelZero;
    private final List<CodecStream> streams = new ArrayList<>();
    private final float[][] samples;
    private long decodeNanos;

    private StreamedAudio(List<int[]> levelZero, int utterances) {
        this.levelZero = levelZero;
        this.samples = new float[utterances][];
    }

    /** Opens a stream per utterance of {@code semantics} (target ids, at the codec's frame rate once upsampled). */
    static StreamedAudio open(Codec codec, ModelConfig config, List<int[]> semantics) {
        boolean semanticIsLevel0 = config.codecPairing() == CodecPairing.SEMANTIC_IS_LEVEL_0;
        StreamedAudio audio = new StreamedAudio(semanticIsLevel0 ? semantics : null, semantics.size());
        try {
            int levels = config.numQuantizers() + (semanticIsLevel0 ? 1 : 0);
            for (int u = 0; u < semantics.size(); u++) {
                int frames = config.frames(semantics.get(u).length);
                float[] row = new float[Math.multiplyExact(frames, codec.config().hop())];
                audio.samples[u] = row;
                audio.streams.add(codec.stream(levels, frames,
                        (r, offset, chunk) -> System.arraycopy(chunk, 0, row, (int) offset, chunk.length)));
            }
            return audio;
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, audio);
            throw failure;
        }
    }

    /** Decodes utterance {@code u}'s window of tokens {@code [frames][Q]} starting at output frame {@code offset}. */
    void onWindow(int u, int offset, int[][] tokens) {
        long t0 = System.nanoTime();
        List<int[]> windowLevelZero = levelZero == null ? null
                : List.of(Arrays.copyOfRange(levelZero.get(u), offset, offset + tokens.length));
        int[][][] codes = CodecInput.stack(windowLevelZero, List.<int[][]>of(tokens));   // [levels][1][frames]
        int[][] row = new int[codes.length][];
        for (int q = 0; q < codes.length; q++) {
            row[q] = codes[q][0];
        }
        streams.get(u).push(row);
        decodeNanos += System.nanoTime() - t0;
    }

    /** Seconds spent decoding, within the generation's time. */
    double decodeSeconds() {
        return decodeNanos / 1e9;
    }

    /** Writes utterance u's audio to {@code wavs.get(u)} (16-bit PCM at {@code rate} Hz). */
    void write(List<Path> wavs, int rate) {
        for (int u = 0; u < streams.size(); u++) {
            if (!streams.get(u).isComplete()) {
                throw new IllegalStateException("utterance " + u + ": audio decoded for " + streams.get(u).pushedFrames()
                        + " frames only");
            }
        }
        for (int u = 0; u < wavs.size(); u++) {
            Wav.write(wavs.get(u), samples[u], rate, Wav.Encoding.PCM_16);
        }
    }

    @Override
    public void close() {
        streams.forEach(CodecStream::close);
    }
}
