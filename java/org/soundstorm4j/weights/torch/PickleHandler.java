package org.soundstorm4j.weights.torch;

import java.util.List;

/**
 * What a {@link PickleReader} asks of the format it reads: the meaning of persistent ids,
 * calls of allowed globals (REDUCE) and BUILD. Implementations build plain Java values; nothing
 * from the pickle is ever executed.
 */
interface PickleHandler {
    /** The object a BINPERSID's id stands for (e.g. a tensor storage). */
    Object persistentLoad(Object id);

    /** The result of calling {@code callable} (already checked against the allow list) with {@code args}. */
    Object call(PickleGlobal callable, List<Object> args);

    /** Applies BUILD's {@code state} to {@code target}; refuses what it does not understand. */
    void build(Object target, Object state);
}
