package org.soundstorm4j.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a
 * half-written one: the content goes to a hidden temporary file in the same directory (same
 * file system, so the final rename is atomic) and is then moved over the target. A JVM that
 * shuts down (SIGTERM, {@code System.exit}) while a file is being written removes its temporary
 * file, so a stopped command leaves neither a half-written file nor a stray temporary one.
 */
public final class AtomicFiles {
    /** Temporary files being written now, guarded by the class lock. */
    private static final Set<Path> UNFINISHED = new HashSet<>();
    private static boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::removeUnfinished, "remove-unfinished-files"));
    }

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
        Path tmp = createTemporary(absolute);
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
            finished(tmp);
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Fails now, with the reason {@link #write} would fail with later, when {@code target} cannot
     * be written: its directory is missing, not a directory or not writable, or the target is a
     * directory. Creates and deletes a temporary file beside the target, as {@code write} will.
     */
    public static void checkWritable(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new FileSystemException(absolute.toString(), null, "Is a directory");
        }
        Path probe = createTemporary(absolute);
        finished(probe);
        Files.delete(probe);
    }

    /**
     * Like {@link #checkWritable} for a directory that is created if missing: the first part of
     * {@code dir} that exists must be a directory this process can create files in.
     */
    public static void checkDirectoryCreatable(Path dir) throws IOException {
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        if (!Files.isDirectory(existing)) {
            throw new FileSystemException(existing.toString(), null, "Not a directory");
        }
        checkWritable(existing.resolve("probe"));
    }

    /**
     * A new empty hidden file beside {@code absolute}, recorded as unfinished. Files.createFile
     * (unlike createTempFile) keeps the umask's permissions, so the result looks like any other
     * file the user writes.
     */
    private static synchronized Path createTemporary(Path absolute) throws IOException {
        if (shuttingDown) {
            throw new IOException("the JVM is shutting down");
        }
        Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        Files.createFile(tmp);
        UNFINISHED.add(tmp);
        return tmp;
    }

    private static synchronized void finished(Path tmp) {
        UNFINISHED.remove(tmp);
    }

    /**
     * The shutdown hook: deletes the temporary files still being written. A writer that renames
     * its file before this runs has finished it; one that tries after fails, leaving nothing.
     */
    private static synchronized void removeUnfinished() {
        shuttingDown = true;
        for (Path tmp : UNFINISHED) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                System.err.println("cannot remove the unfinished " + tmp + ": " + IoErrors.reason(e));
            }
        }
        UNFINISHED.clear();
    }
}
