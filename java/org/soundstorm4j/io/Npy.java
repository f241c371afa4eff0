package org.soundstorm4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes NumPy .npy files (format versions 1.0 and 2.0), little-endian, C order.
 *
 * <p>Layout: the magic {@code \x93NUMPY}, major and minor version bytes, the header length
 * (u16 for 1.0, u32 for 2.0, little-endian), the header dictionary padded with spaces and a
 * final newline so that the data starts at a multiple of 64 bytes, then the raw elements.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Bytes converted per read or write call; keeps the staging buffer small for big arrays. */
    private static final int CHUNK = 1 << 20;
    /** Largest Java array NumPy data can land in. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Npy() {
    }

    /** Reads a {@code <i4} or {@code <i8} array; int64 values must fit in an int. */
    public static IntArray readInts(Path file) {
        return read(file, List.of("<i4", "<i8"), (header, channel, count) -> {
            int[] data = new int[count];
            switch (header.descr()) {
                case "<i4" -> readChunks(channel, file, count, 4, (buf, at, n) -> buf.asIntBuffer().get(data, at, n));
                case "<i8" -> readChunks(channel, file, count, 8, (buf, at, n) -> {
                    for (int i = 0; i < n; i++) {
                        long v = buf.getLong(i * 8);
                        if (v != (int) v) {
                            throw new NpyException(file + ": int64 value " + v + " at flat index " + (at + i)
                                    + " does not fit in an int");
                        }
                        data[at + i] = (int) v;
                    }
                });
                default -> throw new IllegalStateException(header.descr());
            }
            return new IntArray(header.shape(), data);
        });
    }

    /** Reads a {@code <f4} or {@code <f8} array; float64 values are rounded to the nearest float. */
    public static FloatArray readFloats(Path file) {
        return read(file, List.of("<f4", "<f8"), (header, channel, count) -> {
            float[] data = new float[count];
            switch (header.descr()) {
                case "<f4" -> readChunks(channel, file, count, 4, (buf, at, n) -> buf.asFloatBuffer().get(data, at, n));
                case "<f8" -> readChunks(channel, file, count, 8, (buf, at, n) -> {
                    for (int i = 0; i < n; i++) {
                        data[at + i] = (float) buf.getDouble(i * 8);
                    }
                });
                default -> throw new IllegalStateException(header.descr());
            }
            return new FloatArray(header.shape(), data);
        });
    }

    /** Writes {@code data} with the given shape as {@code <f4}. */
    public static void writeFloats(Path file, int[] shape, float[] data) {
        write(file, "<f4", shape, data.length, 4, (buf, at, n) -> buf.asFloatBuffer().put(data, at, n));
    }

    /** Writes {@code data} with the given shape as {@code <i8}, the dtype NumPy uses for Python ints. */
    public static void writeLongs(Path file, int[] shape, int[] data) {
        write(file, "<i8", shape, data.length, 8, (buf, at, n) -> {
            for (int i = 0; i < n; i++) {
                buf.putLong(i * 8, data[at + i]);
            }
        });
    }

    /** Writes {@code data} with the given shape as {@code <i4}. */
    public static void writeInts(Path file, int[] shape, int[] data) {
        write(file, "<i4", shape, data.length, 4, (buf, at, n) -> buf.asIntBuffer().put(data, at, n));
    }

    @FunctionalInterface
    private interface Body<T> {
        T read(NpyHeader header, FileChannel channel, int count) throws IOException;
    }

    /** Moves {@code n} elements between a little-endian chunk buffer and flat index {@code at}. */
    @FunctionalInterface
    private interface ChunkCopy {
        void copy(ByteBuffer buf, int at, int n);
    }

    private static <T> T read(Path file, List<String> descrs, Body<T> body) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader header = readHeader(channel, file);
            if (header.fortranOrder()) {
                throw new NpyException(file + ": fortran_order True is not supported, save a C-order array");
            }
            if (header.descr().startsWith(">")) {
                throw new NpyException(file + ": big-endian dtype '" + header.descr() + "' is not supported");
            }
            if (!descrs.contains(header.descr())) {
                throw new NpyException(file + ": dtype '" + header.descr() + "' is not supported here, expected one of "
                        + descrs);
            }
            long count = Shapes.size(header.shape());
            if (count > MAX_ELEMENTS) {
                throw new NpyException(file + ": shape " + Arrays.toString(header.shape()) + " has " + count
                        + " elements, more than a Java array holds");
            }
            int itemSize = header.descr().endsWith("8") ? 8 : 4;
            long expected = count * itemSize;
            long actual = channel.size() - channel.position();
            if (actual < expected) {
                throw new NpyException(file + ": truncated data, " + actual + " bytes for shape "
                        + Arrays.toString(header.shape()) + " which needs " + expected);
            }
            if (actual > expected) {
                throw new NpyException(file + ": " + (actual - expected) + " unexpected bytes after the data");
            }
            return body.read(header, channel, (int) count);
        } catch (IOException e) {
            throw IoErrors.cannotRead(file, e);
        }
    }

    private static NpyHeader readHeader(FileChannel channel, Path file) throws IOException {
        ByteBuffer prefix = readExactly(channel, file, 8, "magic and version");
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix.get(i) != MAGIC[i]) {
                throw new NpyException(file + ": not a .npy file (bad magic)");
            }
        }
        int major = prefix.get(6);
        int minor = prefix.get(7);
        long length;
        if (major == 1 && minor == 0) {
            length = readExactly(channel, file, 2, "header length").getShort(0) & 0xFFFF;
        } else if (major == 2 && minor == 0) {
            length = readExactly(channel, file, 4, "header length").getInt(0) & 0xFFFFFFFFL;
        } else {
            throw new NpyException(file + ": .npy format version " + major + "." + minor + " is not supported (1.0, 2.0)");
        }
        if (length > channel.size() - channel.position()) {
            throw new NpyException(file + ": header length " + length + " runs past the end of the file");
        }
        ByteBuffer text = readExactly(channel, file, (int) length, "header");
        return NpyHeader.parse(StandardCharsets.ISO_8859_1.decode(text).toString(), file.toString());
    }

    private static ByteBuffer readExactly(FileChannel channel, Path file, int n, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new NpyException(file + ": file ends inside the " + what);
            }
        }
        return buf.flip();
    }

    private static void readChunks(FileChannel channel, Path file, int count, int itemSize, ChunkCopy copy)
            throws IOException {
        int perChunk = CHUNK / itemSize;
        for (int at = 0; at < count; at += perChunk) {
            int n = Math.min(perChunk, count - at);
            copy.copy(readExactly(channel, file, n * itemSize, "data"), at, n);
        }
    }

    private static void write(Path file, String descr, int[] shape, int length, int itemSize, ChunkCopy copy) {
        int[] checked;
        try {
            checked = Shapes.checked(shape, length, file.toString());
        } catch (IllegalArgumentException e) {
            throw new NpyException(e.getMessage(), e);
        }
        ByteBuffer header = encodeHeader(new NpyHeader(descr, false, checked));
        try {
            AtomicFiles.write(file, channel -> {
                writeFully(channel, header);
                int perChunk = CHUNK / itemSize;
                ByteBuffer buf = ByteBuffer.allocate(Math.min(length, perChunk) * itemSize).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at < length; at += perChunk) {
                    int n = Math.min(perChunk, length - at);
                    buf.clear();
                    copy.copy(buf, at, n);
                    writeFully(channel, buf.limit(n * itemSize));
                }
            });
        } catch (IOException e) {
            throw IoErrors.cannotWrite(file, e);
        }
    }

    /** Magic, version, length and the dictionary padded so the data starts on a 64-byte boundary. */
    private static ByteBuffer encodeHeader(NpyHeader header) {
        byte[] dict = header.format().getBytes(StandardCharsets.ISO_8859_1);
        // Version 1.0 unless the padded dictionary does not fit its u16 length (very high rank).
        boolean v1 = padded(10, dict.length) - 10 <= 65535;
        int prefix = v1 ? 10 : 12;
        int total = padded(prefix, dict.length);
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            buf.putShort((short) (total - prefix));
        } else {
            buf.putInt(total - prefix);
        }
        buf.put(dict);
        while (buf.position() < total - 1) {
            buf.put((byte) ' ');
        }
        return buf.put((byte) '\n').flip();
    }

    /** Total header size: prefix, dictionary and newline, rounded up to a multiple of 64. */
    private static int padded(int prefix, int dictLength) {
        return (prefix + dictLength + 1 + 63) / 64 * 64;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }
}
