package org.soundstorm4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Mono WAV files (RIFF, little-endian): 16-bit PCM or 32-bit IEEE float. Written whole or not at
 * all ({@link AtomicFiles}); read with every chunk size checked against the file, so a truncated
 * or hostile file is refused with a {@link WavException} naming it, before any sample is allocated.
 */
public final class Wav {
    /** How samples are stored. */
    public enum Encoding {
        /** 16-bit signed integers: {@code round(x * 32767)} after clamping x to [-1, 1]. */
        PCM_16(1, 16),
        /** 32-bit IEEE floats, stored as they are (no clamping). */
        FLOAT_32(3, 32);

        final int formatTag;
        final int bitsPerSample;

        Encoding(int formatTag, int bitsPerSample) {
            this.formatTag = formatTag;
            this.bitsPerSample = bitsPerSample;
        }

        int bytesPerSample() {
            return bitsPerSample / 8;
        }
    }

    /** A mono recording: its rate in Hz and its samples, nominally in [-1, 1]. */
    public record Audio(int sampleRate, float[] samples) {
        public Audio {
            if (sampleRate <= 0) {
                throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
            }
            if (samples == null) {
                throw new IllegalArgumentException("samples are null");
            }
        }

        /** Duration in seconds. */
        public double seconds() {
            return (double) samples.length / sampleRate;
        }
    }

    /** Largest data chunk a RIFF file can describe (its sizes are unsigned 32-bit). */
    private static final long MAX_DATA_BYTES = 0xFFFF_FFFFL - 64;
    private static final int CHUNK_SAMPLES = 1 << 16;

    private Wav() {
    }

    /**
     * Writes {@code samples} (mono, at {@code sampleRate} Hz) to {@code file}; for PCM_16, values
     * outside [-1, 1] are clamped and NaN is written as 0.
     */
    public static void write(Path file, float[] samples, int sampleRate, Encoding encoding) {
        new Audio(sampleRate, samples); // validates
        long dataBytes = (long) samples.length * encoding.bytesPerSample();
        if (dataBytes > MAX_DATA_BYTES) {
            throw new WavException(file + ": " + samples.length + " samples do not fit in a WAV file (4 GiB at most)");
        }
        ByteBuffer header = header(encoding, sampleRate, samples.length, dataBytes);
        try {
            AtomicFiles.write(file, channel -> {
                writeFully(channel, header);
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_SAMPLES * encoding.bytesPerSample()).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at < samples.length; at += CHUNK_SAMPLES) {
                    buf.clear();
                    put(buf, samples, at, Math.min(CHUNK_SAMPLES, samples.length - at), encoding);
                    buf.flip();
                    writeFully(channel, buf);
                }
            });
        } catch (IOException e) {
            throw IoErrors.cannotWrite(file, e);
        }
    }

    /**
     * The bytes a WAV of {@code sampleCount} mono samples starts with, for a WAV sent piece by piece
     * (a stream whose length is known up front): this, then {@link #encode} of each chunk in order.
     */
    public static byte[] header(int sampleRate, long sampleCount, Encoding encoding) {
        new Audio(sampleRate, new float[0]); // validates the rate
        long dataBytes = sampleCount * encoding.bytesPerSample();
        if (sampleCount < 0 || dataBytes > MAX_DATA_BYTES) {
            throw new WavException(sampleCount + " samples do not fit in a WAV file (4 GiB at most)");
        }
        ByteBuffer b = header(encoding, sampleRate, (int) Math.min(sampleCount, Integer.MAX_VALUE), dataBytes);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Samples as a WAV's data bytes (little-endian; PCM_16 clamped as {@link #write} does). */
    public static byte[] encode(float[] samples, Encoding encoding) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(samples.length, encoding.bytesPerSample()))
                .order(ByteOrder.LITTLE_ENDIAN);
        put(b, samples, 0, samples.length, encoding);
        return b.array();
    }

    private static void put(ByteBuffer buf, float[] samples, int from, int n, Encoding encoding) {
        for (int i = 0; i < n; i++) {
            float x = samples[from + i];
            if (encoding == Encoding.PCM_16) {
                buf.putShort(toPcm16(x));
            } else {
                buf.putFloat(x);
            }
        }
    }

    /** The 16-bit PCM value of {@code x}: clamped to [-1, 1], scaled by 32767, rounded; NaN is 0. */
    static short toPcm16(float x) {
        if (Float.isNaN(x)) {
            return 0;
        }
        float clamped = Math.max(-1f, Math.min(1f, x));
        return (short) Math.round(clamped * 32767f);
    }

    /**
     * RIFF, a {@code fmt } chunk, for floats the {@code fact} chunk that non-PCM formats carry,
     * then the {@code data} chunk's header.
     */
    private static ByteBuffer header(Encoding encoding, int sampleRate, int sampleCount, long dataBytes) {
        boolean pcm = encoding == Encoding.PCM_16;
        int fmtSize = pcm ? 16 : 18;
        int factBytes = pcm ? 0 : 12;
        int headerBytes = 12 + 8 + fmtSize + factBytes + 8;
        ByteBuffer b = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt((int) (headerBytes - 8 + dataBytes)).put(ascii("WAVE"));
        b.put(ascii("fmt ")).putInt(fmtSize)
                .putShort((short) encoding.formatTag)
                .putShort((short) 1)                                        // mono
                .putInt(sampleRate)
                .putInt(sampleRate * encoding.bytesPerSample())             // bytes per second
                .putShort((short) encoding.bytesPerSample())                // block align
                .putShort((short) encoding.bitsPerSample);
        if (!pcm) {
            b.putShort((short) 0);                                          // no extension
            b.put(ascii("fact")).putInt(4).putInt(sampleCount);
        }
        b.put(ascii("data")).putInt((int) dataBytes);
        return b.flip();
    }

    /**
     * Reads a mono 16-bit PCM or 32-bit float WAV file; PCM samples become {@code v / 32767} (the
     * writer's scale, so a round trip is within half a step), -32768 read as -1.
     */
    public static Audio read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel);
        } catch (IOException e) {
            throw IoErrors.cannotRead(file, e);
        }
    }

    private static Audio read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer riff = readAt(file, channel, 0, 12);
        if (!tag(riff, 0).equals("RIFF") || !tag(riff, 8).equals("WAVE")) {
            throw new WavException(file + ": not a WAV file (no RIFF/WAVE header)");
        }
        Encoding encoding = null;
        int sampleRate = 0;
        long at = 12;
        while (at + 8 <= size) {
            ByteBuffer chunk = readAt(file, channel, at, 8);
            String id = tag(chunk, 0);
            long chunkSize = Integer.toUnsignedLong(chunk.getInt(4));
            long body = at + 8;
            if (body + chunkSize > size && !id.equals("data")) {
                throw new WavException(file + ": chunk '" + id + "' at byte " + at + " claims " + chunkSize
                        + " bytes, past the end of the file (" + size + " bytes)");
            }
            switch (id) {
                case "fmt " -> {
                    if (chunkSize < 16) {
                        throw new WavException(file + ": fmt chunk of " + chunkSize + " bytes, fewer than 16");
                    }
                    ByteBuffer fmt = readAt(file, channel, body, 16);
                    encoding = encoding(file, fmt.getShort(0) & 0xffff, fmt.getShort(2) & 0xffff, fmt.getShort(14) & 0xffff);
                    sampleRate = fmt.getInt(4);
                    if (sampleRate <= 0) {
                        throw new WavException(file + ": sample rate " + Integer.toUnsignedString(sampleRate) + " Hz");
                    }
                }
                case "data" -> {
                    if (encoding == null) {
                        throw new WavException(file + ": data chunk before the fmt chunk");
                    }
                    if (body + chunkSize > size) {
                        throw new WavException(file + ": data chunk claims " + chunkSize + " bytes, but only "
                                + (size - body) + " follow (truncated?)");
                    }
                    return new Audio(sampleRate, samples(file, channel, body, chunkSize, encoding));
                }
                default -> { } // LIST, fact, cue...: not needed for mono samples
            }
            at = body + chunkSize + (chunkSize & 1); // chunks are padded to an even size
        }
        throw new WavException(file + ": no data chunk");
    }

    private static Encoding encoding(Path file, int formatTag, int channels, int bits) {
        if (channels != 1) {
            throw new WavException(file + ": " + channels + " channels; only mono is read");
        }
        for (Encoding e : Encoding.values()) {
            if (e.formatTag == formatTag && e.bitsPerSample == bits) {
                return e;
            }
        }
        throw new WavException(file + ": format " + formatTag + " with " + bits
                + " bits per sample; only 16-bit PCM (1) and 32-bit float (3) are read");
    }

    private static float[] samples(Path file, FileChannel channel, long from, long bytes, Encoding encoding)
            throws IOException {
        int width = encoding.bytesPerSample();
        if (bytes % width != 0) {
            throw new WavException(file + ": data chunk of " + bytes + " bytes is not a whole number of "
                    + width + "-byte samples");
        }
        if (bytes / width > Integer.MAX_VALUE - 8) {
            throw new WavException(file + ": " + bytes / width + " samples, more than a Java array holds");
        }
        float[] out = new float[(int) (bytes / width)];
        for (int at = 0; at < out.length; at += CHUNK_SAMPLES) {
            int n = Math.min(CHUNK_SAMPLES, out.length - at);
            ByteBuffer buf = readAt(file, channel, from + (long) at * width, n * width);
            for (int i = 0; i < n; i++) {
                out[at + i] = encoding == Encoding.PCM_16 ? Math.max(-1f, buf.getShort(i * 2) / 32767f) : buf.getFloat(i * 4);
            }
        }
        return out;
    }

    private static ByteBuffer readAt(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new WavException(file + ": ends at byte " + (position + buf.position()) + ", inside a "
                        + length + "-byte read at byte " + position + " (truncated?)");
            }
        }
        return buf.flip();
    }

    private static String tag(ByteBuffer b, int at) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = (char) (b.get(at + i) & 0xff);
        }
        return new String(c);
    }

    private static byte[] ascii(String tag) {
        return tag.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }
}
