package org.soundstorm4j.io;

import java.util.Map;

/**
 * Reading and bounding the values of a parsed {@code config.json} ({@link Json#parse}), for every
 * config of the library (the model's, the codec's), so that each error names the key in one wording.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    /** The integer at {@code key}; a missing key, a non-integer or a value outside int's range names the key. */
    public static int integer(Map<?, ?> map, String key) {
        Object v = map.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing key \"" + key + "\"");
        }
        return integer(key, v);
    }

    /** {@code v} (a JSON value) as an int, or an exception naming {@code key}. */
    public static int integer(String key, Object v) {
        if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("\"" + key + "\" must be an integer, got " + v);
        }
        return (int) (long) l;
    }

    /** Throws naming {@code key} and the range unless {@code min <= value <= max}. */
    public static void inRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
