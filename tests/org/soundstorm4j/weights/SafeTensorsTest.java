package org.soundstorm4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
        }
        return v;
    }

    @Test
    void roundTripsEveryDType() {
        Random random = new Random(42);
        float[] a = gaussian(random, 2 * 3 * 5);
        float[] b = gaussian(random, 1000);
        float[] c = gaussian(random, 777);
        float[] scalar = {3.25f};
        Path file = dir.resolve("model.safetensors");
        new SafeTensorsWriter()
                .add("z.f32", DType.F32, new long[] {2, 3, 5}, a)
                .add("b.f16", DType.F16, new long[] {10, 100}, b)
                .add("m.bf16", DType.BF16, new long[] {777}, c)
                .add("scalar", DType.BF16, new long[] {}, scalar)
                .add("empty", DType.F32, new long[] {0, 4}, new float[0])
                .metadata("format", "pt")
                .metadata("note", "ünïcode \"quoted\"")
                .write(file);

        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("b.f16", "empty", "m.bf16", "scalar", "z.f32"), List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt", "note", "ünïcode \"quoted\""), st.metadata());
            assertEquals(file, st.path());
            assertTrue(st.contains("z.f32"));
            assertFalse(st.contains("nope"));

            TensorView f32 = st.tensor("z.f32");
            assertEquals(DType.F32, f32.dtype());
            assertArrayEquals(new long[] {2, 3, 5}, f32.shape());
            assertArrayEquals(a, f32.toFloats(), "F32 must be exact");

            float[] half = st.tensor("b.f16").toFloats();
            assertEquals(1000, st.tensor("b.f16").elementCount());
            for (int i = 0; i < b.length; i++) {
                assertEquals(DType.f16ToFloat(DType.floatToF16(b[i])), half[i]);
                // 11 significant bits for normals, absolute 2^-25 in the subnormal range
                assertEquals(b[i], half[i], Math.abs(b[i]) * 0x1p-11f + 0x1p-25f, "F16 index " + i);
            }
            float[] brain = st.tensor("m.bf16").toFloats();
            for (int i = 0; i < c.length; i++) {
                assertEquals(DType.bf16ToFloat(DType.floatToBf16(c[i])), brain[i]);
                assertEquals(c[i], brain[i], Math.abs(c[i]) * 0x1p-8f, "BF16 index " + i);
            }
            assertArrayEquals(new float[] {3.25f}, st.tensor("scalar").toFloats());
            assertEquals(1, st.tensor("scalar").elementCount());
            assertEquals(0, st.tensor("empty").toFloats().length);

            float[] dst = new float[40];
            st.tensor("z.f32").copyTo(dst, 7);
            assertEquals(a[0], dst[7]);
            assertEquals(a[29], dst[36]);
            assertThrows(IndexOutOfBoundsException.class, () -> st.tensor("z.f32").copyTo(dst, 11));
        }
    }

    @Test
    void writerPadsHeaderAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("pad.safetensors");
        new SafeTensorsWriter().add("x", DType.F32, new long[] {1}, new float[] {1}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8);
        assertEquals(8 + headerLength + 4, bytes.length);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("", header.substring(header.lastIndexOf('}') + 1).replace(" ", ""), "padding must be spaces");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void writerRejectsBadInput() {
        SafeTensorsWriter w = new SafeTensorsWriter().add("a", DType.F32, new long[] {2}, new float[2]);
        assertThrows(IllegalArgumentException.class, () -> w.add("a", DType.F32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.F32, new long[] {3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("c", DType.F16, new long[] {-1, -2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.F32, new long[] {}, new float[1]));
        w.metadata("k", "v");
        assertThrows(IllegalArgumentException.class, () -> w.metadata("k", "w"));
    }

    @Test
    void readsUnalignedData() throws IOException {
        // A 3-byte header puts the F32 data at file offset 11, not a multiple of 4.
        String header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
        String padded = header + " ".repeat(Math.floorMod(3 - header.length(), 8));
        assertEquals(3, padded.length() % 8);
        Path file = raw(padded, data.array());
        try (SafeTensors st = SafeTensors.open(file)) {
            assertArrayEquals(new float[] {1.5f, -2f}, st.tensor("t").toFloats());
        }
    }

    @Test
    void emptyFileWithoutTensorsIsValid() throws IOException {
        Path file = raw("{}", 0);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(Set.of(), st.names());
            assertEquals(Map.of(), st.metadata());
        }
    }

    @Test
    void closedFileRefusesUse() throws IOException {
        Path file = dir.resolve("c.safetensors");
        new SafeTensorsWriter().add("x", DType.F32, new long[] {3}, new float[] {1, 2, 3}).write(file);
        SafeTensors st = SafeTensors.open(file);
        TensorView view = st.tensor("x");
        st.close();
        st.close();
        assertThrows(IllegalStateException.class, () -> st.tensor("x"));
        assertThrows(IllegalStateException.class, st::names);
        assertThrows(IllegalStateException.class, view::toFloats);
    }

    @Test
    void missingTensorNamesTheFile() throws IOException {
        Path file = raw("{}", 0);
        try (SafeTensors st = SafeTensors.open(file)) {
            WeightsException e = assertThrows(WeightsException.class, () -> st.tensor("x"));
            assertEquals("no tensor 'x' in " + file, e.getMessage());
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = dir.resolve("t.safetensors");
        new SafeTensorsWriter().add("w", DType.F32, new long[] {4}, new float[4]).write(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        expectBroken(file, "w", "truncated");
    }

    @Test
    void tooShortForTheLengthPrefix() throws IOException {
        expectBroken(Files.write(dir.resolve("short"), new byte[] {1, 2, 3}), null, "too short");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        byte[] bytes = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put((byte) '{')
                .put((byte) '}').array();
        expectBroken(Files.write(dir.resolve("len"), bytes), null, "header length 1000 runs past the end");
        byte[] huge = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        expectBroken(Files.write(dir.resolve("len2"), huge), null, "18446744073709551615");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path file = dir.resolve("sparse");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(120L << 20); // sparse: costs no disk space
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(110L << 20).array());
        }
        expectBroken(file, null, "limit");
    }

    @Test
    void headerNotJson() throws IOException {
        expectBroken(raw("{\"a\": nope}", 0), null, "not valid JSON");
        expectBroken(raw("{\"a\":{},\"a\":{}}", 0), null, "duplicate key");
        expectBroken(raw(new byte[] {'{', (byte) 0xC3, '}'}, new byte[0]), null, "UTF-8");
    }

    @Test
    void headerNotObject() throws IOException {
        expectBroken(raw("[1, 2]", 0), null, "not a JSON object");
        expectBroken(raw("{\"w\": [1]}", 0), "w", "not a JSON object");
    }

    @Test
    void offsetsOutOfBounds() throws IOException {
        expectBroken(raw(entry("w", "F32", "[4]", "[0,16]"), 8), "w", "out of bounds");
        expectBroken(raw(entry("w", "F32", "[1]", "[8,4]"), 8), "w", "out of bounds");
        expectBroken(raw(entry("w", "F32", "[1]", "[0,4,8]"), 8), "w", "data_offsets");
        expectBroken(raw(entry("w", "F32", "[1]", "[0,4.0]"), 4), "w", "data_offsets");
        expectBroken(raw(entry("w", "F32", "[1]", "[-4,0]"), 4), "w", "data_offsets");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{" + body("a", "F32", "[4]", "[0,16]") + "," + body("b", "F32", "[4]", "[8,24]") + "}";
        WeightsException e = expectBroken(raw(header, 24), "b", "overlaps");
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void holeBetweenTensors() throws IOException {
        String header = "{" + body("a", "F32", "[2]", "[0,8]") + "," + body("b", "F32", "[2]", "[16,24]") + "}";
        expectBroken(raw(header, 24), "b", "hole of 8 bytes");
        expectBroken(raw(entry("a", "F32", "[2]", "[8,16]"), 16), "a", "hole");
        expectBroken(raw(entry("a", "F32", "[2]", "[0,8]"), 12), "a", "belong to no tensor");
    }

    @Test
    void byteSizeMismatch() throws IOException {
        expectBroken(raw(entry("w", "F32", "[3]", "[0,16]"), 16), "w", "needs 12");
        expectBroken(raw(entry("w", "BF16", "[2,2]", "[0,16]"), 16), "w", "needs 8");
    }

    @Test
    void unknownDType() throws IOException {
        WeightsException e = expectBroken(raw(entry("ids", "I64", "[2]", "[0,16]"), 16), "ids", "'I64'");
        assertTrue(e.getMessage().contains("F32, F16, BF16"), e.getMessage());
    }

    @Test
    void negativeShape() throws IOException {
        expectBroken(raw(entry("w", "F32", "[-1]", "[0,0]"), 0), "w", "non-negative");
        expectBroken(raw(entry("w", "F32", "[1.5]", "[0,4]"), 4), "w", "non-negative");
        expectBroken(raw(entry("w", "F32", "7", "[0,4]"), 4), "w", "shape");
    }

    @Test
    void malformedEntries() throws IOException {
        expectBroken(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4), "w",
                "unknown key 'x'");
        expectBroken(raw("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "w", "dtype");
        expectBroken(raw("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "w", "missing 'shape'");
        expectBroken(raw("{\"__metadata__\":{\"k\":1}}", 0), null, "__metadata__");
        expectBroken(raw("{\"__metadata__\":[]}", 0), null, "__metadata__");
    }

    private static String body(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "{" + body(name, dtype, shape, offsets) + "}";
    }

    /** Lays out a safetensors file by hand: u64 LE header length, header, zero-filled data. */
    private Path raw(String header, int dataLength) throws IOException {
        return raw(header, new byte[dataLength]);
    }

    private Path raw(String header, byte[] data) throws IOException {
        return raw(header.getBytes(StandardCharsets.UTF_8), data);
    }

    private Path raw(byte[] h, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put(data);
        return Files.write(Files.createTempFile(dir, "broken", ".safetensors"), buf.array());
    }

    private static WeightsException expectBroken(Path file, String tensor, String problem) {
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(file).close());
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), "file not named: " + message);
        if (tensor != null) {
            assertTrue(message.contains("'" + tensor + "'"), "tensor not named: " + message);
        }
        assertTrue(message.contains(problem), "expected '" + problem + "' in: " + message);
        return e;
    }
}
