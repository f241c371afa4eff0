package org.soundstorm4j.engine;

/** A request whose pass failed on the backend, or whose listener threw; the cause says what. */
public final class GenerationFailedException extends GenerationRejectedException {
    private static final long serialVersionUID = 1L;

    GenerationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
