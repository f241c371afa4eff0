package org.soundstorm4j.weights;

/** A weights file that is malformed or lacks what was asked of it; the message names the file and tensor. */
public final class WeightsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
