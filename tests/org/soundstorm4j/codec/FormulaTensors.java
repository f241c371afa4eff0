package org.soundstorm4j.codec;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.TensorView;

/**
 * The decode path's tensors of a config filled by the fill formula of
 * {@code tests/resources/codec/README.md} (FNV-1a 64 of the key, SplitMix64 of the index, scale
 * rules), generated on first use, held on the heap. The released shapes' expected waveform was
 * decoded by PyTorch from the same formula.
 */
final class FormulaTensors implements NamedTensors {
    private final Map<String, long[]> shapes;

    FormulaTensors(CodecConfig config) {
        this.shapes = CodecTensors.expected(config);
    }

    /** FNV-1a 64 of the UTF-8 bytes of {@code name}. */
    static long fnv1a64(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001B3L;
        }
        return h;
    }

    /** Value i (flat row-major) of the tensor named {@code name}. */
    static float value(String name, long seed, long i) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        double u = (z >>> 40) * 0x1p-23 - 1;
        if (name.endsWith("weight_g")) {
            return (float) (0.5 + Math.abs(0.5 * u));
        }
        return (float) (scale(name) * u);
    }

    private static double scale(String name) {
        if (name.endsWith("weight_v")) {
            return 1;
        }
        if (name.contains(".lstm.")) {
            return 0x1p-5;
        }
        if (name.endsWith("._codebook.embed")) {
            return 1;
        }
        if (name.endsWith(".bias")) {
            return 0x1p-4;
        }
        return 1;
    }

    static float[] fill(String name, long count) {
        long seed = fnv1a64(name);
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) {
            v[i] = value(name, seed, i);
        }
        return v;
    }

    @Override
    public Path path() {
        return Path.of("formula");
    }

    @Override
    public Set<String> names() {
        return shapes.keySet();
    }

    @Override
    public boolean contains(String name) {
        return shapes.containsKey(name);
    }

    @Override
    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    @Override
    public TensorView tensor(String name) {
        long[] shape = shapes.get(name);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        // a heap float[] segment is in native order: little-endian on every machine this project runs on
        return new TensorView(name, DType.F32, shape, MemorySegment.ofArray(fill(name, n)), path());
    }

    @Override
    public void close() {
    }
}
