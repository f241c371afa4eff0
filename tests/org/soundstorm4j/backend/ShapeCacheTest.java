package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeCacheTest {
    private final List<String> released = new ArrayList<>();
    private final List<String> made = new ArrayList<>();
    private final ShapeCache<Integer, String> cache = new ShapeCache<>(2, released::add);

    private String get(int shape) {
        return cache.get(shape, s -> {
            String v = "buffers for " + s;
            made.add(v);
            return v;
        });
    }

    @Test
    void twoShapesAlternatingAreMadeOnceAndNeverReleased() {
        for (int i = 0; i < 5; i++) {
            get(1500);
            get(700);
        }
        assertEquals(List.of("buffers for 1500", "buffers for 700"), made);
        assertEquals(List.of(), released);
    }

    @Test
    void aThirdShapeEvictsTheLeastRecentlyUsed() {
        get(1);
        get(2);
        String one = get(1); // 2 is now the least recently used
        get(3);
        assertEquals(List.of("buffers for 2"), released);
        assertSame(one, get(1), "1 was kept");
        assertEquals(2, cache.size());
    }

    @Test
    void clearReleasesEverything() {
        get(1);
        get(2);
        cache.clear();
        assertEquals(List.of("buffers for 1", "buffers for 2"), released);
        assertEquals(0, cache.size());
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ShapeCache<Integer, String>(0, s -> { }));
    }
}
