package org.soundstorm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavTest {
    @TempDir
    Path tmp;

    private static float[] noise(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.3);
        }
        return x;
    }

    private static float clamp(float x) {
        return Math.max(-1f, Math.min(1f, x));
    }

    @Test
    void floatFilesRoundTripExactlyAndTheJdksOwnReaderAgrees() throws IOException, UnsupportedAudioFileException {
        float[] x = noise(16001, 1);
        Path file = tmp.resolve("f.wav");
        Wav.write(file, x, 16000, Wav.Encoding.FLOAT_32);
        Wav.Audio back = Wav.read(file);
        assertEquals(16000, back.sampleRate());
        assertArrayEquals(x, back.samples());
        // an independent reader: javax.sound parses the header we wrote
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_FLOAT, f.getEncoding());
            assertEquals(16000f, f.getSampleRate());
            assertEquals(1, f.getChannels());
            assertEquals(32, f.getSampleSizeInBits());
            assertEquals(x.length, in.getFrameLength());
            ByteBuffer raw = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(x[12345], raw.getFloat(12345 * 4));
        }
    }

    @Test
    void pcmFilesAreRoundedClampedAndReadByTheJdk() throws IOException, UnsupportedAudioFileException {
        float[] x = noise(999, 2);
        x[0] = 1.7f;
        x[1] = -3f;
        x[2] = Float.NaN;
        x[3] = 0.5f;
        Path file = tmp.resolve("p.wav");
        Wav.write(file, x, 24000, Wav.Encoding.PCM_16);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, f.getEncoding());
            assertEquals(24000f, f.getSampleRate());
            assertEquals(16, f.getSampleSizeInBits());
            assertEquals(x.length, in.getFrameLength());
            ByteBuffer raw = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(32767, raw.getShort(0));
            assertEquals(-32767, raw.getShort(2));
            assertEquals(0, raw.getShort(4));
            assertEquals(Math.round(0.5f * 32767), raw.getShort(6));
            for (int i = 4; i < x.length; i++) {
                assertEquals(Math.round(clamp(x[i]) * 32767f), raw.getShort(2 * i), "sample " + i);
            }
        }
        float[] back = Wav.read(file).samples();
        for (int i = 4; i < x.length; i++) {
            assertEquals(clamp(x[i]), back[i], 0.5 / 32767 + 1e-7, "sample " + i);
        }
    }

    @Test
    void hostileOrTruncatedFilesNameTheFileAndTheProblem() throws IOException {
        Path good = tmp.resolve("good.wav");
        Wav.write(good, noise(100, 3), 16000, Wav.Encoding.PCM_16);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = tmp.resolve("truncated.wav");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 7));
        assertRefused(truncated, "truncated");

        Path notWav = tmp.resolve("not.wav");
        Files.writeString(notWav, "hello, this is text and not audio");
        assertRefused(notWav, "not a WAV file");

        Path stereo = tmp.resolve("stereo.wav");
        byte[] s = bytes.clone();
        ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN).putShort(22, (short) 2);
        Files.write(stereo, s);
        assertRefused(stereo, "2 channels");

        Path hugeChunk = tmp.resolve("huge.wav");
        byte[] h = bytes.clone();
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0x7fff_fff0); // fmt chunk size
        Files.write(hugeChunk, h);
        assertRefused(hugeChunk, "past the end of the file");

        Path empty = tmp.resolve("empty.wav");
        Files.write(empty, new byte[0]);
        assertRefused(empty, "empty.wav");
    }

    private static void assertRefused(Path file, String what) {
        WavException e = assertThrows(WavException.class, () -> Wav.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesNothing() throws IOException {
        Path dir = tmp.resolve("missing");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Wav.write(dir.resolve("x.wav"), new float[10], 16000, Wav.Encoding.FLOAT_32));
        assertTrue(e.getMessage().startsWith("cannot write"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Wav.write(tmp.resolve("r.wav"), new float[1], 0, Wav.Encoding.PCM_16));
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count());
        }
    }
}
