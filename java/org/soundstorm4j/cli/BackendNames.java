package org.soundstorm4j.cli;

import java.util.Iterator;
import org.soundstorm4j.backend.Backends;

/** The backend names for picocli's help text. */
final class BackendNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Backends.NAMES.iterator();
    }
}
