package org.soundstorm4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * The one wording of a failed read or write: "cannot read FILE: no such file or directory". An
 * IOException's own message is often just a path (and for an atomic write the path of a temporary
 * file the user never named), so the reason is taken from the exception's type or the system's
 * error text instead.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** "cannot read FILE: REASON", keeping {@code cause}. */
    public static UncheckedIOException cannotRead(Object file, IOException cause) {
        return new UncheckedIOException("cannot read " + file + ": " + reason(cause), cause);
    }

    /** "cannot write FILE: REASON", keeping {@code cause}. */
    public static UncheckedIOException cannotWrite(Object file, IOException cause) {
        return new UncheckedIOException("cannot write " + file + ": " + reason(cause), cause);
    }

    /** Why {@code e} happened, in lower-case words: "permission denied", "no space left on device". */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return lowerFirst(fs.getReason());      // the system's error text, e.g. "Not a directory"
        }
        return switch (e) {
            case NoSuchFileException x -> "no such file or directory";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "not a directory";
            case FileAlreadyExistsException x -> "already exists";
            case DirectoryNotEmptyException x -> "directory not empty";
            case FileSystemLoopException x -> "too many levels of symbolic links";
            case FileSystemException x -> x.getClass().getSimpleName();      // its message is only the path
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : lowerFirst(e.getMessage());
        };
    }

    /** "Is a directory" -> "is a directory", but "EOF ..." stays. */
    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
        }
        return s;
    }
}
