package org.soundstorm4j.io;

/** A JSON text that {@link Json#parse} refuses; {@link #offset()} is the character index of the problem. */
public final class JsonException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int offset;

    public JsonException(String problem, int offset) {
        super("invalid JSON at offset " + offset + ": " + problem);
        this.offset = offset;
    }

    /** Character (UTF-16 unit) index into the parsed text where the problem was found. */
    public int offset() {
        return offset;
    }
}
