package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.WindowAudio;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.ModelConfig;

/**
 * {@code generate --codec --wav}: one {@link WindowAudio} per utterance, fed each generated window
 * as soon as it is final, so the audio is decoded while the generation goes on. The samples are
 * kept until {@link #write}, since a WAV file is written whole or not at all.
 */
final class StreamedAudio implements AutoCloseable {
    private final List<WindowAudio> decoders = new ArrayList<>();
    private final float[][] samples;
    private long decodeNanos;

    private StreamedAudio(int utterances) {
        this.samples = new float[utterances][];
    }

    /** Opens a decode per utterance of {@code semantics} (target ids, at the semantic rate). */
    static StreamedAudio open(Codec codec, ModelConfig config, List<int[]> semantics) {
        StreamedAudio audio = new StreamedAudio(semantics.size());
        try {
            for (int u = 0; u < semantics.size(); u++) {
                float[] row = new float[Math.multiplyExact(config.frames(semantics.get(u).length), codec.config().hop())];
                audio.samples[u] = row;
                audio.decoders.add(WindowAudio.open(codec, config, semantics.get(u),
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
        decoders.get(u).push(offset, tokens);
        decodeNanos += System.nanoTime() - t0;
    }

    /** Seconds spent decoding, within the generation's time. */
    double decodeSeconds() {
        return decodeNanos / 1e9;
    }

    /** Writes utterance u's audio to {@code wavs.get(u)} (16-bit PCM at {@code rate} Hz). */
    void write(List<Path> wavs, int rate) {
        for (int u = 0; u < decoders.size(); u++) {
            if (!decoders.get(u).isComplete()) {
                throw new IllegalStateException("utterance " + u + ": audio decoded for "
                        + decoders.get(u).pushedFrames() + " frames only");
            }
        }
        for (int u = 0; u < wavs.size(); u++) {
            Wav.write(wavs.get(u), samples[u], rate, Wav.Encoding.PCM_16);
        }
    }

    @Override
    public void close() {
        decoders.forEach(WindowAudio::close);
    }
}
