package org.soundstorm4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Errors a bad file causes become a WeightsException naming the file; other Errors pass unchanged. */
class ReadFailuresTest {
    private static final Path FILE = Path.of("some/model.safetensors");

    @Test
    void errorsABadFileCausesNameTheFileAndKeepTheError() {
        for (Error e : new Error[] {new OutOfMemoryError("Unable to allocate 4503599627370496 bytes"),
                new StackOverflowError(), new InternalError("a fault occurred in an unsafe memory access operation")}) {
            RuntimeException translated = ReadFailures.of(FILE, e);
            assertInstanceOf(WeightsException.class, translated, e.toString());
            assertTrue(translated.getMessage().startsWith(FILE + ": "), translated.getMessage());
            assertSame(e, translated.getCause());
        }
    }

    @Test
    void otherFailuresPassAsTheyAre() {
        IllegalArgumentException bad = new IllegalArgumentException("bad");
        assertSame(bad, ReadFailures.of(FILE, bad));
        AssertionError other = new AssertionError("not the file's doing");
        assertSame(other, assertThrows(AssertionError.class, () -> ReadFailures.of(FILE, other)));
        IOException io = new IOException("denied");
        RuntimeException unchecked = ReadFailures.of(FILE, io);
        assertInstanceOf(UncheckedIOException.class, unchecked);
        assertEquals("cannot read " + FILE + ": denied", unchecked.getMessage());
    }
}
