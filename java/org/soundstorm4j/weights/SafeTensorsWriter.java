package org.soundstorm4j.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.soundstorm4j.io.AtomicFiles;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.io.Json;

/**
 * Builds a safetensors file: tensors are laid out in insertion order with no gaps, the header
 * is padded with spaces to a multiple of 8 bytes so the data section starts 8-byte aligned, and
 * the file appears atomically (temporary file in the same directory, then a rename).
 */
public final class SafeTensorsWriter {
    /** Elements converted per write call. */
    private static final int CHUNK = 1 << 18;

    /** A tensor to write: its values either copied ({@code values}) or read from {@code source} while writing. */
    private record Pending(String name, DType dtype, long[] shape, float[] values, TensorView source) {
        long count() {
            return values != null ? values.length : source.elementCount();
        }
    }

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /**
     * Adds a tensor; {@code values} (C order, {@code product(shape)} long) are copied now and
     * converted to {@code dtype} on write, rounding to nearest even for F16 and BF16.
     */
    public SafeTensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
                        + Arrays.toString(shape));
            }
            count = d == 0 ? 0 : (count > Long.MAX_VALUE / d ? Long.MAX_VALUE : count * d);
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + count + " elements but " + values.length + " values were given");
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), values.clone(), null));
        return this;
    }

    /**
     * Adds {@code source} under its own name, converted to {@code dtype} on write. Nothing is
     * copied now: the values are streamed from the view in chunks during {@link #write}, so the
     * view must stay open until then (this is how a multi-gigabyte checkpoint converts in little memory).
     */
    public SafeTensorsWriter add(TensorView source, DType dtype) {
        String name = source.name();
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        tensors.put(name, new Pending(name, dtype, source.shape(), null, source));
        return this;
    }

    /** Adds a {@code __metadata__} entry; each key may be set once. */
    public SafeTensorsWriter metadata(String key, String value) {
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' was already set");
        }
        metadata.put(key, value);
        return this;
    }

    /** Writes everything added so far to {@code file}, replacing it if it exists. */
    public void write(Path file) {
        byte[] header = header();
        try {
            AtomicFiles.write(file, channel -> {
                ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(channel, prefix);
                writeFully(channel, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
                float[] chunk = new float[CHUNK];
                for (Pending t : tensors.values()) {
                    long count = t.count();
                    for (long at = 0; at < count; at += CHUNK) {
                        int n = (int) Math.min(CHUNK, count - at);
                        float[] values = t.values;
                        int from = (int) at;
                        if (values == null) {
                            t.source.copyTo(at, chunk, 0, n);
                            values = chunk;
                            from = 0;
                        }
                        buf.clear();
                        encode(t.dtype, values, from, n, buf);
                        writeFully(channel, buf.flip());
                    }
                }
            });
        } catch (IOException e) {
            throw IoErrors.cannotWrite(file, e);
        }
    }

    private byte[] header() {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            json.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Pending t : tensors.values()) {
            long bytes = t.count() * t.dtype.byteSize();
            List<Long> shape = new ArrayList<>();
            for (long d : t.shape) {
                shape.add(d);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype.safetensorsName());
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            json.put(t.name, entry);
            offset += bytes;
        }
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    private static void encode(DType dtype, float[] values, int at, int n, ByteBuffer buf) {
        switch (dtype) {
            case F32 -> {
                buf.asFloatBuffer().put(values, at, n);
                // The float view does not move the byte buffer's position.
                buf.position(n * 4);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    buf.putShort(DType.floatToF16(values[at + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    buf.putShort(DType.floatToBf16(values[at + i]));
                }
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }
}
