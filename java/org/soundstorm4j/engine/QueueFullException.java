package org.soundstorm4j.engine;

/** Thrown (or completing a future) when the queue is full. */
public final class QueueFullException extends GenerationRejectedException {
    private static final long serialVersionUID = 1L;

    QueueFullException(String message) {
        super(message);
    }
}
