package org.soundstorm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.io.FloatArray;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.io.Npy;
import picocli.CommandLine;

/** The command line, run in-process as {@code java -jar soundstorm4j.jar} would run it. */
class CliTest {
    private static final Path GOLDEN = Path.of("tests/resources/golden/public_small");
    private static final Path DEMO = Path.of("weights/demo");

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void logitsWritesWhatThePyTorchReferenceComputes() {
        Path out = tmp.resolve("logits.npy");
        Run r = run("logits", "--weights", GOLDEN.toString(), "--semantic", GOLDEN.resolve("semantic.npy").toString(),
                "--acoustic", GOLDEN.resolve("acoustic.npy").toString(), "--lengths", GOLDEN.resolve("lengths.npy").toString(),
                "--level", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("level 2 logits [2, 40, 64]"), r.out());
        FloatArray ours = Npy.readFloats(out);
        FloatArray golden = Npy.readFloats(GOLDEN.resolve("logits_level2.npy"));
        assertArrayEquals(golden.shape(), ours.shape());
        // sequence 0 has all 40 frames valid
        for (int i = 0; i < 40 * 64; i++) {
            assertEquals(golden.data()[i], ours.data()[i], 1e-4 * 3, "logit " + i);
        }
    }

    @Test
    void theReadmeMainCommandRunsOnTheDemoModel() {
        Path out = tmp.resolve("demo.npy");
        Run r = run("logits", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--acoustic", DEMO.resolve("example_acoustic.npy").toString(), "--level", "0", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {1, 100, 64}, Npy.readFloats(out).shape());
    }

    @Test
    void benchJsonHasTheMedian() {
        Run r = run("bench", "--weights", DEMO.toString(), "--frames", "17", "--batch", "2", "--warmup", "1",
                "--repeats", "3", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> json = (Map<?, ?>) Json.parse(r.out().trim());
        assertTrue(((Number) json.get("forward_ms_median")).doubleValue() > 0, r.out());
        assertEquals(17L, json.get("frames"));
        assertEquals(2L, json.get("batch"));
    }

    @Test
    void benchProfileListsTheOps() {
        Run r = run("bench", "--weights", DEMO.toString(), "--frames", "9", "--warmup", "0", "--repeats", "1", "--profile");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("attention") && r.out().contains("depthwiseConvSwish"), r.out());
    }

    @Test
    void infoShowsConfigParametersAndBackends() {
        Run r = run("info", "--weights", DEMO.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("parameters 278,912"), r.out());
        assertTrue(r.out().contains("cpu: "), r.out());
    }

    @Test
    void badInputsFailWithOneLineNamingTheProblemAndWriteNothing() {
        Path out = tmp.resolve("never.npy");
        Run r = run("logits", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--acoustic", DEMO.resolve("example_acoustic.npy").toString(), "--level", "9", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: level 9 out of range [0, 4)"), r.err());
        assertFalse(Files.exists(out));

        r = run("logits", "--weights", tmp.resolve("missing").toString(), "--semantic",
                DEMO.resolve("example_semantic.npy").toString(), "--acoustic", DEMO.resolve("example_acoustic.npy").toString(),
                "--level", "0", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());

        r = run("logits", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_acoustic.npy").toString(),
                "--acoustic", DEMO.resolve("example_acoustic.npy").toString(), "--level", "0", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("semantic ids must be [batch, frames]"), r.err());

        r = run("bench", "--weights", DEMO.toString(), "--frames", "8", "--backend", "tpu");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown backend 'tpu'"), r.err());
    }
}
