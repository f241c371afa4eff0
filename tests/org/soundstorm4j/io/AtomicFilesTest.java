package org.soundstorm4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    /**
     * A JVM that exits while a file is half-written leaves neither the file nor its temporary
     * file: run in a child JVM, because the clean-up is a shutdown hook.
     */
    @Test
    void exitingWhileWritingLeavesNothing() throws Exception {
        Path target = tmp.resolve("out.npy");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExitWhileWriting.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the writing JVM did not exit");
        String console = new String(p.getInputStream().readAllBytes());
        assertEquals(3, p.exitValue(), console);
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), console);
        }
    }

    /** Writes half a file, then exits the JVM from inside the write. */
    static final class ExitWhileWriting {
        public static void main(String[] args) throws Exception {
            AtomicFiles.write(Path.of(args[0]), channel -> {
                channel.write(ByteBuffer.wrap(new byte[1000]));
                System.exit(3);
            });
        }
    }

    @Test
    void theWritabilityCheckSaysWhyAndLeavesNothing() throws Exception {
        AtomicFiles.checkWritable(tmp.resolve("ok.npy"));
        AtomicFiles.checkDirectoryCreatable(tmp.resolve("new/model"));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList());
        }
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        assertEquals("not a directory", reasonOfCheck(file.resolve("t.npy")));
        assertEquals("no such file or directory", reasonOfCheck(tmp.resolve("missing/t.npy")));
        assertEquals("is a directory", reasonOfCheck(tmp));
    }

    private static String reasonOfCheck(Path target) {
        try {
            AtomicFiles.checkWritable(target);
            return "writable";
        } catch (java.io.IOException e) {
            return IoErrors.reason(e);
        }
    }
}
