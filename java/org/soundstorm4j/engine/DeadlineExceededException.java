package org.soundstorm4j.engine;

/** Thrown (or completing a future) when the deadline passed. */
public final class DeadlineExceededException extends GenerationRejectedException {
    private static final long serialVersionUID = 1L;

    DeadlineExceededException(String message) {
        super(message);
    }
}
