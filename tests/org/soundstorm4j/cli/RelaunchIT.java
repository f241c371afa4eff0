package org.soundstorm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.io.Npy;

/**
 * The packaged jar under {@code java -jar}, which re-runs itself in a child JVM with the Vector
 * API (VectorApiRelaunch): stopping the parent stops the child, and the stopped command leaves no
 * output and no temporary file behind. Runs in the integration-test phase, after package built
 * target/soundstorm4j.jar (see the surefire plugin in pom.xml).
 */
class RelaunchIT {
    private static final Path JAR = Path.of("target/soundstorm4j.jar");
    private static final Path TRAINED = Path.of("weights/trained");

    @TempDir
    Path tmp;

    private Path out;
    private Process parent;

    @BeforeEach
    void startALongGeneration() throws Exception {
        assumeTrue(Files.isRegularFile(JAR), JAR + " is not built (mvn package builds it; mvn verify runs this after)");
        // 4000 frames in three windows at 25 + 3 iterations per window: minutes on a small machine
        Path semantic = tmp.resolve("semantic.npy");
        Npy.writeLongs(semantic, new int[] {2000}, new java.util.Random(1).ints(2000, 0, 32).toArray());
        out = tmp.resolve("tokens.npy");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "generate", "--weights", TRAINED.toString(), "--semantic", semantic.toString(),
                "--steps", "25,1,1,1", "--backend", "cpu", "--out", out.toString());
        pb.environment().remove("SOUNDSTORM4J_NO_RELAUNCH");
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("console.txt").toFile());
        parent = pb.start();
    }

    @Test
    void sigtermOnTheParentStopsTheChildAndWritesNothing() throws Exception {
        ProcessHandle child = childOnceStarted();
        parent.destroy();       // SIGTERM, as kill -TERM or a job scheduler sends it
        assertTrue(parent.waitFor(10, TimeUnit.SECONDS), "the parent JVM did not exit");
        assertGoneAndNothingWritten(child);
    }

    @Test
    void theChildStopsWhenItsParentIsKilled() throws Exception {
        ProcessHandle child = childOnceStarted();
        parent.destroyForcibly();       // SIGKILL: no shutdown hook runs in the parent
        assertTrue(parent.waitFor(10, TimeUnit.SECONDS), "the parent JVM did not exit");
        assertGoneAndNothingWritten(child);
    }

    /** The child JVM, once it has been running for a second (past start-up, into the model). */
    private ProcessHandle childOnceStarted() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children = parent.toHandle().children().toList();
            if (!children.isEmpty()) {
                Thread.sleep(1500);
                assertTrue(parent.isAlive(), () -> "the command ended before it could be stopped: " + console());
                return children.getFirst();
            }
            assertTrue(parent.isAlive(), () -> "the parent exited early: " + console());
            Thread.sleep(50);
        }
        throw new AssertionError("no child JVM started within 30 s: " + console());
    }

    private void assertGoneAndNothingWritten(ProcessHandle child) throws Exception {
        try {
            child.onExit().get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM " + child.pid() + " still runs 5 s after its parent stopped");
        }
        assertFalse(Files.exists(out), "the stopped command wrote " + out);
        try (Stream<Path> files = Files.list(tmp)) {
            List<String> left = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
            assertEquals(List.of(), left, "temporary files left behind");
        }
    }

    private String console() {
        try {
            return Files.readString(tmp.resolve("console.txt"));
        } catch (IOException e) {
            return "(no console output: " + e + ")";
        }
    }
}
