package org.soundstorm4j.io;

/** A WAV file that cannot be read or written as asked; the message names the file and what is wrong. */
public final class WavException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WavException(String message) {
        super(message);
    }
}
