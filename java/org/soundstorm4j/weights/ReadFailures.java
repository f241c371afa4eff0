package org.soundstorm4j.weights;

import java.io.IOException;
import java.nio.file.Path;
import org.soundstorm4j.io.IoErrors;

/**
 * What a weights reader throws when reading a file fails. Besides exceptions, a malformed,
 * hostile or changing file can make the JVM throw an Error: a size it declares can exhaust
 * memory (OutOfMemoryError), a structure nested too deeply can exhaust the stack
 * (StackOverflowError), and a mapped file that shrinks while open faults on access (the JVM
 * reports the SIGBUS as InternalError). Those are the file's problem and become a
 * {@link WeightsException} naming the file, the error kept as its cause; this is applied only
 * where a file is being read, so an Error from anywhere else propagates unchanged.
 */
public final class ReadFailures {
    private ReadFailures() {
    }

    /**
     * The exception to throw for {@code failure}, met while reading {@code file}: an IOException
     * becomes an UncheckedIOException and the Errors above a WeightsException, each naming the
     * file; any other RuntimeException is returned as it is, and any other Error is thrown from here.
     */
    public static RuntimeException of(Path file, Throwable failure) {
        return switch (failure) {
            case IOException e -> IoErrors.cannotRead(file, e);
            case RuntimeException e -> e;
            case OutOfMemoryError e -> new WeightsException(file + ": ran out of memory reading it (" + e.getMessage()
                    + "): a size the file declares may be corrupt, or the JVM needs more memory", e);
            case StackOverflowError e -> new WeightsException(file + ": nested too deeply to read (stack overflow)", e);
            case InternalError e -> MappingFault.of(file, e);
            case Error e -> throw e;
            default -> new IllegalStateException("reading " + file + " failed", failure);
        };
    }
}
