package org.soundstorm4j.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.io.JsonException;

/**
 * A memory-mapped, validated safetensors file.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON mapping
 * each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an optional
 * {@code "__metadata__"} map of strings), then the data section; offsets are relative to its
 * start. Everything is checked on {@link #open}, so later lookups cannot meet a malformed entry.
 * The mapping lives until {@link #close}; it may be read from several threads.
 */
public final class SafeTensors implements NamedTensors {
    /** Headers of real checkpoints are kilobytes; anything this big is corrupt or hostile. */
    private static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

    private final Path path;
    private final Arena arena;
    private final Map<String, TensorView> tensors;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafeTensors(Path path, Arena arena, Map<String, TensorView> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code file} read-only and validates its header and offsets. */
    public static SafeTensors open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new WeightsException(file + ": " + size + " bytes is too short for a safetensors file (header length"
                        + " alone takes 8)");
            }
            // The mapping outlives the channel: closing the channel does not unmap.
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(file, arena, whole);
        } catch (Throwable failure) {
            // every exit but success unmaps, Errors included
            Cleanup.closeAfterFailure(failure, arena);
            throw ReadFailures.of(file, failure);
        }
    }

    private static SafeTensors parse(Path file, Arena arena, MemorySegment whole) {
        long size = whole.byteSize();
        long headerLength = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        // Unsigned on disk: a negative long is a length beyond 2^63, certainly past the end.
        if (headerLength < 0 || headerLength > size - 8) {
            throw new WeightsException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER) {
            throw new WeightsException(file + ": header length " + headerLength + " exceeds the " + MAX_HEADER
                    + "-byte limit");
        }
        ByteBuffer headerBytes = whole.asSlice(8, headerLength).asByteBuffer();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw new WeightsException(file + ": header is not valid UTF-8", e);
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (JsonException e) {
            throw new WeightsException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new WeightsException(file + ": header is not a JSON object");
        }
        MemorySegment dataSection = whole.asSlice(8 + headerLength);
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                metadata = metadata(file, e.getValue());
            } else {
                entries.add(entry(file, name, e.getValue(), dataSection.byteSize()));
            }
        }
        checkCoverage(file, entries, dataSection.byteSize());
        Map<String, TensorView> tensors = new TreeMap<>();
        for (Entry entry : entries) {
            tensors.put(entry.name, new TensorView(entry.name, entry.dtype, entry.shape,
                    dataSection.asSlice(entry.begin, entry.end - entry.begin), file));
        }
        return new SafeTensors(file, arena, Collections.unmodifiableMap(tensors), metadata);
    }

    /** One validated header entry; offsets are relative to the data section. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static Map<String, String> metadata(Path file, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new WeightsException(file + ": " + METADATA + " is not an object");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new WeightsException(file + ": " + METADATA + " entry '" + e.getKey() + "' is not a string");
            }
            result.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(result);
    }

    private static Entry entry(Path file, String name, Object value, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> map)) {
            throw new WeightsException(where + ": entry is not a JSON object");
        }
        for (Object key : map.keySet()) {
            if (!ENTRY_KEYS.contains(key)) {
                throw new WeightsException(where + ": unknown key '" + key + "' (expected " + ENTRY_KEYS + ")");
            }
        }
        if (!(map.get("dtype") instanceof String dtypeName)) {
            throw new WeightsException(where + ": missing or non-string 'dtype'");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeName);
        } catch (WeightsException e) {
            throw new WeightsException(where + ": " + e.getMessage(), e);
        }
        long[] shape = longs(where, map.get("shape"), "shape", -1);
        long[] offsets = longs(where, map.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new WeightsException(where + ": data_offsets [" + begin + ", " + end + "] are out of bounds of the "
                    + dataSize + "-byte data section" + (end > dataSize ? " (file truncated?)" : ""));
        }
        long bytes = dtype.byteSize();
        for (long d : shape) {
            // Overflow means the shape cannot possibly match a byte range inside a real file.
            bytes = d == 0 || bytes == 0 ? 0 : (bytes > Long.MAX_VALUE / d ? -1 : bytes * d);
            if (bytes < 0) {
                throw new WeightsException(where + ": shape " + Arrays.toString(shape) + " is too large");
            }
        }
        if (end - begin != bytes) {
            throw new WeightsException(where + ": data_offsets span " + (end - begin) + " bytes but " + dtypeName
                    + " shape " + Arrays.toString(shape) + " needs " + bytes);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Reads a JSON array of non-negative integers; {@code length} -1 means any length. */
    private static long[] longs(String where, Object value, String key, int length) {
        if (value == null) {
            throw new WeightsException(where + ": missing '" + key + "'");
        }
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new WeightsException(where + ": '" + key + "' is not an array of " + (length >= 0 ? length + " " : "")
                    + "integers: " + Json.write(value).replaceAll("\\s+", ""));
        }
        long[] result = new long[list.size()];
        for (int i = 0; i < result.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) {
                throw new WeightsException(where + ": '" + key + "' entry " + i + " is not a non-negative integer: "
                        + list.get(i));
            }
            result[i] = v;
        }
        return result;
    }

    /**
     * The spec requires the data section to be fully indexed: sorted by offset, every tensor
     * must start where the previous one ended, the first at 0 and the last ending at the end.
     */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw new WeightsException(file + ": tensor '" + e.name + "' [" + e.begin + ", " + e.end
                        + ") overlaps tensor '" + previous.name + "' [" + previous.begin + ", " + previous.end + ")");
            }
            if (e.begin > expected) {
                throw new WeightsException(file + ": hole of " + (e.begin - expected) + " bytes at data offset " + expected
                        + " before tensor '" + e.name + "' (the data section must be entirely indexed)");
            }
            expected = e.end;
            if (e.end > e.begin || previous == null) {
                previous = e;
            }
        }
        if (expected != dataSize) {
            throw new WeightsException(file + ": " + (dataSize - expected) + " bytes at data offset " + expected
                    + " after " + (previous == null ? "the header" : "tensor '" + previous.name + "'")
                    + " belong to no tensor (the data section must be entirely indexed)");
        }
    }

    /** Tensor names in sorted order. */
    public Set<String> names() {
        checkOpen();
        return Collections.unmodifiableSet(new TreeSet<>(tensors.keySet()));
    }

    /** Whether the file holds a tensor of this name. */
    public boolean contains(String name) {
        checkOpen();
        return tensors.containsKey(name);
    }

    /** The named tensor, viewing the mapped file without copying. */
    public TensorView tensor(String name) {
        checkOpen();
        TensorView view = tensors.get(name);
        if (view == null) {
            throw new WeightsException("no tensor '" + name + "' in " + path);
        }
        return view;
    }

    /** The {@code __metadata__} strings, empty if the file has none; in file order. */
    public Map<String, String> metadata() {
        checkOpen();
        return metadata;
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    /** Unmaps the file; views obtained earlier become unusable. Closing twice is harmless. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
