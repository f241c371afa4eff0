package org.soundstorm4j.engine;

/** Thrown (or completing a future) when the engine is closed. */
public final class EngineClosedException extends GenerationRejectedException {
    private static final long serialVersionUID = 1L;

    EngineClosedException(String message) {
        super(message);
    }
}
