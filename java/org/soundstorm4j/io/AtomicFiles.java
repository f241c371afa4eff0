package org.soundstorm4j.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a
 * half-written one: the content goes to a hidden temporary file in the same directory (same
 * file system, so the final rename is atomic) and is then moved over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Produces the content of a file through a channel positioned at 0. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code content} to {@code target}, replacing any existing file. On failure the
     * temporary file is deleted and the target is left as it was.
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Files.createFile (unlike createTempFile) keeps the umask's permissions, so the result
        // looks like any other file the user writes.
        Path tmp = dir.resolve("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        Files.createFile(tmp);
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                // Without this a crash soon after the rename could leave an empty target.
                channel.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
