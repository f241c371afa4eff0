package org.soundstorm4j.weights.torch;

import java.util.List;

/** A Python tuple from a pickle; {@code items} is unmodifiable and may hold nulls (Python's None). */
public record PickleTuple(List<Object> items) {
    public PickleTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    public int size() {
        return items.size();
    }

    public Object get(int i) {
        return items.get(i);
    }
}
