package org.soundstorm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.soundstorm4j.io.AtomicFiles;
import org.soundstorm4j.io.IoErrors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand that prints through picocli's writer, so tests can capture what it prints. */
abstract class OutputCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /**
     * Fails, naming why, when {@code file} cannot be written; called first, so that a bad --out
     * costs nothing rather than the whole run it would otherwise end.
     */
    static void checkCanWrite(Path file) {
        try {
            AtomicFiles.checkWritable(file);
        } catch (IOException e) {
            throw IoErrors.cannotWrite(file, e);
        }
    }

    /** {@link #checkCanWrite} for an output directory that is created if missing. */
    static void checkCanCreateDirectory(Path dir) {
        try {
            AtomicFiles.checkDirectoryCreatable(dir);
        } catch (IOException e) {
            throw IoErrors.cannotWrite(dir, e);
        }
    }
}
