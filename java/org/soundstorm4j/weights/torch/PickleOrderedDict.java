package org.soundstorm4j.weights.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Python's {@code collections.OrderedDict} from a pickle: its items in order, plus the instance
 * attributes a BUILD set on it (a state_dict carries {@code _metadata}, the modules' versions).
 */
final class PickleOrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    private final Map<String, Object> attributes = new LinkedHashMap<>();

    /** Attributes set by BUILD, by name. */
    Map<String, Object> attributes() {
        return attributes;
    }
}
