package org.soundstorm4j.engine;

/** A request the engine did not finish for a reason of its own, not of the request's content. */
public class GenerationRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GenerationRejectedException(String message) {
        super(message);
    }

    GenerationRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
