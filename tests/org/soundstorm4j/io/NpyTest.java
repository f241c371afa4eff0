package org.soundstorm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    private static final List<int[]> SHAPES = List.of(
            new int[] {}, new int[] {0}, new int[] {1}, new int[] {7}, new int[] {2, 3, 4}, new int[] {0, 3},
            new int[] {3, 1, 2, 1});

    @Test
    void floatsRoundTripForEveryShape() {
        Random random = new Random(1);
        for (int[] shape : SHAPES) {
            float[] data = new float[(int) Shapes.size(shape)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextGaussian();
            }
            Path file = dir.resolve("f.npy");
            Npy.writeFloats(file, shape, data);
            FloatArray back = Npy.readFloats(file);
            assertArrayEquals(shape, back.shape());
            assertArrayEquals(data, back.data());
            assertEquals(shape.length, back.rank());
            assertEquals(data.length, back.size());
        }
    }

    @Test
    void intsRoundTripAsInt32AndInt64() {
        Random random = new Random(2);
        for (int[] shape : SHAPES) {
            int[] data = random.ints((int) Shapes.size(shape)).toArray();
            if (data.length > 1) {
                data[0] = Integer.MIN_VALUE;
                data[1] = Integer.MAX_VALUE;
            }
            Npy.writeInts(dir.resolve("i4.npy"), shape, data);
            Npy.writeLongs(dir.resolve("i8.npy"), shape, data);
            assertEquals(new IntArray(shape, data), Npy.readInts(dir.resolve("i4.npy")));
            assertEquals(new IntArray(shape, data), Npy.readInts(dir.resolve("i8.npy")));
        }
    }

    @Test
    void largeArraysCrossChunkBoundaries() {
        int n = 5 * 160_001; // several 1 MiB chunks for both 4- and 8-byte items
        float[] floats = new float[n];
        int[] ints = new int[n];
        for (int i = 0; i < n; i++) {
            floats[i] = i * 0.5f;
            ints[i] = i * 7 - 1000;
        }
        Npy.writeFloats(dir.resolve("f.npy"), new int[] {n}, floats);
        Npy.writeLongs(dir.resolve("l.npy"), new int[] {5, n / 5}, ints);
        assertArrayEquals(floats, Npy.readFloats(dir.resolve("f.npy")).data());
        assertArrayEquals(ints, Npy.readInts(dir.resolve("l.npy")).data());
    }

    @Test
    void writerLaysOutHeaderLikeNumPy() throws IOException {
        Path file = dir.resolve("w.npy");
        Npy.writeFloats(file, new int[] {2, 3}, new float[6]);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(0, (bytes.length - 24) % 64, "data must start on a 64-byte boundary");
        String header = new String(bytes, 10, bytes.length - 24 - 10, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith(" \n"), header);
        Npy.writeInts(file, new int[] {4}, new int[4]);
        assertTrue(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("'shape': (4,), }"));
        Npy.writeInts(file, new int[] {}, new int[1]);
        assertTrue(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("'shape': (), }"));
    }

    /** Exactly what {@code np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))} writes with NumPy 2. */
    @Test
    void readsHandBuiltNumPyFile() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(new byte[] {0x76, 0x00}); // header length 118, so 10 + 118 = 128 = 2 * 64
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        out.write((dict + " ".repeat(118 - dict.length() - 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        assertEquals(128, out.size());
        out.write(new byte[] {
            0, 0, 0, 0, 0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, (byte) 0x80, 0x40,
            0, 0, (byte) 0xa0, 0x40});
        Path file = dir.resolve("hand.npy");
        Files.write(file, out.toByteArray());
        FloatArray a = Npy.readFloats(file);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.data());
        assertEquals(3, a.dim(1));
    }

    @Test
    void readsFloat64AndInt64AndVersion2() throws IOException {
        Path f8 = write("f8.npy", npy(1, "<f8", "(3,)", le(24, b -> b.putDouble(1.5).putDouble(-2.25).putDouble(1e-3))));
        assertArrayEquals(new float[] {1.5f, -2.25f, 1e-3f}, Npy.readFloats(f8).data());
        Path i8 = write("i8.npy", npy(2, "<i8", "(1, 2)", le(16, b -> b.putLong(-5).putLong(1L << 30))));
        assertEquals(new IntArray(new int[] {1, 2}, new int[] {-5, 1 << 30}), Npy.readInts(i8));
        Path old = write("old.npy", npy(1, "<i4", "(2L,)", le(8, b -> b.putInt(3).putInt(4))));
        assertArrayEquals(new int[] {3, 4}, Npy.readInts(old).data());
    }

    @Test
    void int64OutOfIntRangeIsRejectedWithItsIndex() throws IOException {
        Path file = write("big.npy", npy(1, "<i8", "(3,)", le(24, b -> b.putLong(1).putLong(2).putLong(1L << 31))));
        NpyException e = assertThrows(NpyException.class, () -> Npy.readInts(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("2147483648 at flat index 2"), e.getMessage());
        Path small = write("small.npy", npy(1, "<i8", "(1,)", le(8, b -> b.putLong(Integer.MIN_VALUE - 1L))));
        assertThrows(NpyException.class, () -> Npy.readInts(small));
    }

    @Test
    void refusesWhatItCannotRead() throws IOException {
        byte[] four = new byte[16];
        expectError(npy(1, "<f4", "(4,)", four), "readInts", "not supported here");
        expectError(npy(1, "<i4", "(4,)", four), "readFloats", "not supported here");
        expectError(npy(1, ">f4", "(4,)", four), "readFloats", "big-endian");
        expectError(npy(1, "<f2", "(8,)", four), "readFloats", "'<f2'");
        expectError(npy(1, "<f4", "(2, 2)", four, true), "readFloats", "fortran_order");
        expectError(npy(1, "<f4", "(5,)", four), "readFloats", "truncated");
        expectError(npy(1, "<f4", "(3,)", four), "readFloats", "unexpected bytes");
        expectError(npy(3, "<f4", "(4,)", four), "readFloats", "version 3.0");
        expectError(npy(1, "<f4", "(-4,)", four), "readFloats", "shape");
        expectError(npy(1, "<f4", "(4,", four), "readFloats", "bad header");
        expectError("NUMPY".getBytes(StandardCharsets.US_ASCII), "readFloats", "magic");
        expectError("\u0093NUMPZ\u0001\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1), "readFloats", "bad magic");
        byte[] cut = npy(1, "<f4", "(4,)", four);
        expectError(java.util.Arrays.copyOf(cut, 40), "readFloats", "runs past the end");
        String badKeys = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1, }";
        expectError(npyRaw(1, badKeys, four), "readFloats", "header keys");
        String dupKeys = "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
        expectError(npyRaw(1, dupKeys, four), "readFloats", "duplicate key");
    }

    @Test
    void writeRejectsShapeMismatchAndLeavesNothing() throws IOException {
        Path file = dir.resolve("bad.npy");
        NpyException e = assertThrows(NpyException.class, () -> Npy.writeFloats(file, new int[] {2, 2}, new float[3]));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertThrows(NpyException.class, () -> Npy.writeInts(file, new int[] {-1}, new int[0]));
        assertFalse(Files.exists(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file may be left behind");
        }
    }

    @Test
    void failedWriteKeepsThePreviousFile() throws IOException {
        Path file = dir.resolve("keep.npy");
        Npy.writeFloats(file, new int[] {2}, new float[] {1, 2});
        assertThrows(IOException.class, () -> AtomicFiles.write(file, channel -> {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertArrayEquals(new float[] {1, 2}, Npy.readFloats(file).data());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file must be removed");
        }
    }

    @Test
    void arraysCheckTheirShape() {
        assertThrows(IllegalArgumentException.class, () -> new FloatArray(new int[] {2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new IntArray(new int[] {-1, -1}, new int[1]));
        int[] shape = {2};
        IntArray a = new IntArray(shape, new int[2]);
        shape[0] = 5;
        a.shape()[0] = 7;
        assertEquals(2, a.dim(0));
    }

    private void expectError(byte[] bytes, String method, String fragment) throws IOException {
        Path file = write("broken.npy", bytes);
        NpyException e = assertThrows(NpyException.class,
                () -> {
                    if (method.equals("readInts")) {
                        Npy.readInts(file);
                    } else {
                        Npy.readFloats(file);
                    }
                }, fragment);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] npy(int major, String descr, String shape, byte[] data) {
        return npy(major, descr, shape, data, false);
    }

    private static byte[] npy(int major, String descr, String shape, byte[] data, boolean fortran) {
        return npyRaw(major, "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                + ", 'shape': " + shape + ", }", data);
    }

    /** Lays out a .npy file by hand: magic, version, length, padded dictionary, data. */
    private static byte[] npyRaw(int major, String dict, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        ByteBuffer buf = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            buf.putShort((short) (total - prefix));
        } else {
            buf.putInt(total - prefix);
        }
        buf.put((dict + " ".repeat(total - prefix - dict.length() - 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        return buf.put(data).array();
    }

    private static byte[] le(int size, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(buf);
        return buf.array();
    }
}
