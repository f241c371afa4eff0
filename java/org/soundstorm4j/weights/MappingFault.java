package org.soundstorm4j.weights;

import java.nio.file.Path;

/**
 * A read of a memory-mapped weights file that faulted because the file shrank (was truncated or
 * rewritten) while mapped: the kernel signals the access to a page past the new end, and the JVM
 * turns that into an {@link InternalError} ("a fault occurred in an unsafe memory access
 * operation"). Readers of mapped memory catch InternalError and rethrow it through {@link #of},
 * which keeps every other InternalError as it is.
 */
public final class MappingFault {
    private MappingFault() {
    }

    /**
     * A {@link WeightsException} naming {@code file} if {@code e} is a fault on mapped memory;
     * otherwise rethrows {@code e} unchanged.
     */
    public static WeightsException of(Path file, InternalError e) {
        String message = String.valueOf(e.getMessage());
        if (!message.contains("unsafe memory access")) {
            throw e;
        }
        return new WeightsException(file + ": the file changed while it was open (truncated or rewritten in place?);"
                + " reading its mapped bytes failed", e);
    }
}
