package org.soundstorm4j.spark;

import java.io.ByteArrayOutputStream;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.WindowAudio;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.ModelConfig;

/** A generated row's audio: the codec's decode of its tokens, as a whole 16-bit PCM WAV file. */
final class RowAudio {
    private RowAudio() {
    }

    /**
     * The WAV of {@code tokens} {@code [frames][Q]}, generated from the target semantic ids {@code semantic}
     * (level 0 where the model's pairing says so).
     */
    static byte[] wav(Codec codec, ModelConfig model, int[] semantic, int[][] tokens) {
        long count = (long) tokens.length * codec.config().hop();
        if (count > (Integer.MAX_VALUE - 64) / 2) {
            throw new IllegalArgumentException(tokens.length + " frames are " + count
                    + " samples, more than one WAV column value holds");
        }
        float[] samples = new float[(int) count];
        try (WindowAudio audio = WindowAudio.open(codec, model, semantic,
                (row, offset, chunk) -> System.arraycopy(chunk, 0, samples, (int) offset, chunk.length))) {
            audio.push(0, tokens);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(44 + samples.length * 2);
        out.writeBytes(Wav.header(codec.config().sampleRate(), samples.length, Wav.Encoding.PCM_16));
        out.writeBytes(Wav.encode(samples, Wav.Encoding.PCM_16));
        return out.toByteArray();
    }
}
