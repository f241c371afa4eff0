package org.soundstorm4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Turns where the options say a model (or codec) is into a local path an executor can load: a plain
 * path or a {@code file:} URI as it is; any other scheme through Hadoop's FileSystem, copied once
 * into {@code <java.io.tmpdir>/soundstorm4j-models/<hash of the URI and its files' lengths and times>}. The copy lands whole or not
 * at all (a temporary folder renamed into place), so executors sharing a node, or a task killed
 * mid-copy, never load half a model.
 */
final class ModelLocation {
    private ModelLocation() {
    }

    /** The local folder or file for {@code location}. */
    static Path resolve(String location, Configuration hadoop) {
        URI uri = uri(location);
        if (uri == null || uri.getScheme() == null) {
            return Path.of(location);
        }
        if (uri.getScheme().equals("file")) {
            return Path.of(uri);
        }
        return copyToLocal(uri, hadoop, Path.of(System.getProperty("java.io.tmpdir"), "soundstorm4j-models"));
    }

    /**
     * {@code uri}'s folder (or file) copied under {@code cacheRoot}, or the copy made before of the same
     * files: the copy's name hashes the URI with every file's path, length and modification time, so
     * a model replaced at the same URI is copied afresh instead of served stale.
     */
    static Path copyToLocal(URI uri, Configuration hadoop, Path cacheRoot) {
        org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(uri);
        Path partial = null;
        try {
            FileSystem fs = source.getFileSystem(hadoop);
            FileStatus root = fs.getFileStatus(source);
            StringBuilder listing = new StringBuilder(fs.makeQualified(source).toString());
            fingerprint(fs, root, "", listing);
            Path target = cacheRoot.resolve(hash(listing.toString()));
            if (Files.exists(target)) {
                return local(target, source);
            }
            Files.createDirectories(cacheRoot);
            partial = Files.createTempDirectory(cacheRoot, "partial-");
            copy(fs, root, partial.resolve(source.getName()));
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
                // another executor on this node finished the same copy first: use that one
                if (!Files.exists(target)) {
                    throw raced;
                }
            } catch (IOException e) {
                if (!Files.isDirectory(target)) {
                    throw e;
                } // rename(2) onto a non-empty folder: the other copy won
            }
            return local(target, source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + uri + " to this executor: " + e.getMessage(), e);
        } finally {
            deleteQuietly(partial);
        }
    }

    /** Appends every file under {@code status} as "path length mtime" lines, in name order. */
    private static void fingerprint(FileSystem fs, FileStatus status, String prefix, StringBuilder out) throws IOException {
        String name = prefix + "/" + status.getPath().getName();
        if (!status.isDirectory()) {
            out.append('\n').append(name).append(' ').append(status.getLen()).append(' ').append(status.getModificationTime());
            return;
        }
        FileStatus[] children = fs.listStatus(status.getPath());
        java.util.Arrays.sort(children, Comparator.comparing(c -> c.getPath().getName()));
        for (FileStatus child : children) {
            fingerprint(fs, child, name, out);
        }
    }

    private static Path local(Path target, org.apache.hadoop.fs.Path source) {
        return target.resolve(source.getName());
    }

    private static void copy(FileSystem fs, FileStatus status, Path to) throws IOException {
        if (status.isDirectory()) {
            Files.createDirectories(to);
            for (FileStatus child : fs.listStatus(status.getPath())) {
                copy(fs, child, to.resolve(child.getPath().getName()));
            }
            return;
        }
        try (InputStream in = fs.open(status.getPath())) {
            Files.copy(in, to);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover partial-* folder in the temp dir is harmless: never renamed, never loaded
        }
    }

    private static URI uri(String location) {
        try {
            URI uri = new URI(location);
            // "C:/models" style paths and relative paths have no scheme of two letters or more
            return uri.getScheme() != null && uri.getScheme().length() > 1 ? uri : null;
        } catch (URISyntaxException e) {
            return null; // a path with spaces or other characters a URI cannot hold
        }
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
