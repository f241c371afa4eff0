package org.soundstorm4j.backend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Device buffers kept per shape: the {@code capacity} most recently used shapes stay allocated,
 * the least recently used beyond that is released. Keeping a few shapes (rather than one) means
 * that work alternating between shapes, such as the full windows and the shorter last window of a
 * long utterance, allocates nothing once warm, so recordings of it (CUDA graphs) stay valid.
 *
 * @param <K> the shape (a record)
 * @param <V> what is kept for it
 */
public final class ShapeCache<K, V> {
    private final int capacity;
    private final Consumer<V> release;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param capacity shapes kept at most, {@code >= 1}
     * @param release  frees what was kept for an evicted shape
     */
    public ShapeCache(int capacity, Consumer<V> release) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a shape cache keeps at least one shape, asked for " + capacity);
        }
        this.capacity = capacity;
        this.release = release;
    }

    /** What is kept for {@code shape}, made by {@code create} (after evicting, if full) when absent. */
    public V get(K shape, Function<K, V> create) {
        V kept = entries.get(shape);
        if (kept != null) {
            return kept;
        }
        while (entries.size() >= capacity) {
            Iterator<Map.Entry<K, V>> eldest = entries.entrySet().iterator();
            V evicted = eldest.next().getValue();
            eldest.remove();
            release.accept(evicted);
        }
        V made = create.apply(shape);
        entries.put(shape, made);
        return made;
    }

    /** Releases everything kept. */
    public void clear() {
        List<V> all = new ArrayList<>(entries.values());
        entries.clear();
        all.forEach(release);
    }

    /** Shapes kept now. */
    public int size() {
        return entries.size();
    }
}
