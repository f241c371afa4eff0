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
    private static final Path TRAINED = Path.of("weights/trained");

    @TempDir
    Path tmp;

    /** What a command printed and returned; shared with the other command tests of this package. */
    record Run(int code, String out, String err) {
    }

    /** Runs the command line in this JVM, capturing what it prints. */
    static Run run(String... args) {
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
    void theReadmeMainCommandPrintsTheAccuracyOfTheTrainedModel() {
        Path out = tmp.resolve("tokens.npy");
        Run r = run("generate", "--weights", TRAINED.toString(), "--semantic", TRAINED.resolve("example_semantic.npy").toString(),
                "--prompt-semantic", TRAINED.resolve("example_prompt_semantic.npy").toString(),
                "--prompt-acoustic", TRAINED.resolve("example_prompt_acoustic.npy").toString(),
                "--truth", TRAINED.resolve("example_truth.npy").toString(), "--seed", "42", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tokens [8, 100, 4] int64, 19 forward passes"), r.out());
        // the closing line: 8 x 100 frames at 50 Hz are 16 s of audio
        assertTrue(r.out().matches("(?s).*\\n16\\.00 s of audio \\(8 x 100 frames at 50 Hz\\) in [0-9.]+ s: "
                + "real-time factor [0-9.]+ \\(generation time / audio time.*\\)\\R$"), r.out());
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("accuracy per level vs truth: ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) \\(").matcher(r.out());
        assertTrue(m.find(), r.out());
        // QualityTest holds the thresholds over several seeds; here: far above chance (1/32) everywhere
        for (int q = 0; q < 4; q++) {
            assertTrue(Double.parseDouble(m.group(q + 1)) > 0.4, r.out());
        }
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

    @Test
    void ioErrorsSayWhy() throws Exception {
        Path missing = tmp.resolve("nope.npy");
        Run r = run("generate", "--weights", DEMO.toString(), "--semantic", missing.toString(), "--out",
                tmp.resolve("t.npy").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: cannot read " + missing + ": no such file or directory"), r.err());

        Path directory = Files.createDirectory(tmp.resolve("dir.npy"));
        r = run("generate", "--weights", DEMO.toString(), "--semantic", directory.toString(), "--out",
                tmp.resolve("t.npy").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: cannot read " + directory + ": is a directory"), r.err());

        Path text = Files.writeString(tmp.resolve("missing.txt"), "");
        Files.delete(text);
        r = run("generate", "--weights", DEMO.toString(), "--semantic", text.toString(), "--out",
                tmp.resolve("t.npy").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: cannot read --semantic " + text + ": no such file or directory"), r.err());
    }

    /**
     * A bad --out fails before the work, naming why: it is checked before the weights are even
     * looked at, so a missing model directory is not what these runs report.
     */
    @Test
    void anUnwritableOutputFailsBeforeTheWork() throws Exception {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        String missingWeights = tmp.resolve("no-model").toString();
        String semantic = DEMO.resolve("example_semantic.npy").toString();
        String[][] outs = {
            {file.resolve("t.npy").toString(), "not a directory"},
            {tmp.resolve("no/such/dir/t.npy").toString(), "no such file or directory"},
            {tmp.toString(), "is a directory"},
        };
        for (String[] out : outs) {
            Run r = run("generate", "--weights", missingWeights, "--semantic", semantic, "--out", out[0]);
            assertEquals(1, r.code());
            assertTrue(r.err().contains("error: cannot write " + out[0] + ": " + out[1]), r.err());

            r = run("logits", "--weights", missingWeights, "--semantic", semantic, "--acoustic",
                    DEMO.resolve("example_acoustic.npy").toString(), "--level", "0", "--out", out[0]);
            assertEquals(1, r.code());
            assertTrue(r.err().contains("error: cannot write " + out[0] + ": " + out[1]), r.err());
        }
        Run r = run("convert", "--in", tmp.resolve("missing.pt").toString(), "--out", file.resolve("model").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("error: cannot write " + file.resolve("model") + ": not a directory"), r.err());
        try (var left = Files.list(tmp)) {
            assertEquals(java.util.List.of(file), left.toList(), "the checks leave nothing behind");
        }
    }

    @Test
    void generateWritesEveryTokenWithAndWithoutAPrompt() throws Exception {
        Path out = tmp.resolve("tokens.npy");
        Run r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--seed", "7", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tokens [1, 100, 4] int64, 19 forward passes"), r.out());
        org.soundstorm4j.io.IntArray tokens = Npy.readInts(out);
        assertArrayEquals(new int[] {1, 100, 4}, tokens.shape());
        for (int id : tokens.data()) {
            assertTrue(id >= 0 && id < 64, "id " + id);
        }

        Path prompted = tmp.resolve("prompted.npy");
        r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--prompt-semantic", DEMO.resolve("example_prompt_semantic.npy").toString(),
                "--prompt-acoustic", DEMO.resolve("example_prompt_acoustic.npy").toString(), "--seed", "7",
                "--preset", "fast", "--out", prompted.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tokens [1, 100, 4] int64, 4 forward passes"), r.out());
    }

    @Test
    void generateWithTruthPrintsTheAccuracyPerLevelAndRefusesAWrongShape() throws Exception {
        Path first = tmp.resolve("first.npy");
        Run r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--seed", "3", "--out", first.toString());
        assertEquals(0, r.code(), r.err());
        // the same seed makes the same tokens: against the first output as truth, every level is right
        Path again = tmp.resolve("again.npy");
        r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--seed", "3", "--truth", first.toString(), "--out", again.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy per level vs truth: 1.00 1.00 1.00 1.00 (" + again + " vs " + first + ")"),
                r.out());

        // one level changed at half of the frames -> 0.50 on that level
        int[] truth = Npy.readInts(first).data().clone();
        for (int t = 0; t < 100; t += 2) {
            truth[t * 4 + 2] = (truth[t * 4 + 2] + 1) % 64;
        }
        Path half = tmp.resolve("half.npy");
        Npy.writeLongs(half, new int[] {100, 4}, truth);      // [frames, Q] is one utterance
        r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--seed", "3", "--truth", half.toString(), "--out", again.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy per level vs truth: 1.00 1.00 0.50 1.00"), r.out());

        Path wrong = tmp.resolve("wrong.npy");
        Npy.writeLongs(wrong, new int[] {1, 99, 4}, new int[396]);
        Path never = tmp.resolve("never.npy");
        r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--truth", wrong.toString(), "--out", never.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--truth " + wrong + ": shape [1, 99, 4] does not match the output's "
                + "[batch, frames, Q] = [1, 100, 4]"), r.err());
        assertFalse(Files.exists(never));
    }

    @Test
    void generateReadsSemanticIdsFromText() throws Exception {
        Path text = tmp.resolve("semantic.txt");
        Files.writeString(text, "1 2 3\n4  5\t6 63\n");
        Path out = tmp.resolve("t.npy");
        Run r = run("generate", "--weights", DEMO.toString(), "--semantic", text.toString(), "--steps", "2,1,1,1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {1, 7, 4}, Npy.readInts(out).shape());

        Files.writeString(text, "1 2 x");
        r = run("generate", "--weights", DEMO.toString(), "--semantic", text.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("word 2 ('x') is not an integer id"), r.err());
    }

    @Test
    void generateRejectsBadRequests() {
        Path out = tmp.resolve("never.npy");
        Run r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--steps", "16,1,1", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("steps: 3 entries given, the model has 4 levels"), r.err());

        Path badPrompt = tmp.resolve("prompt.npy");
        Npy.writeLongs(badPrompt, new int[] {25, 3}, new int[75]);
        r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                "--prompt-semantic", DEMO.resolve("example_prompt_semantic.npy").toString(),
                "--prompt-acoustic", badPrompt.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("prompt frame 0 has 3 levels, the model has 4"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void benchTimesWholeGenerations() {
        Run r = run("bench", "--weights", DEMO.toString(), "--frames", "20", "--generate", "--warmup", "0",
                "--repeats", "1", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> json = (Map<?, ?>) Json.parse(r.out().trim());
        assertEquals(19L, json.get("passes"));
        assertTrue(((Number) json.get("passes_per_s")).doubleValue() > 0, r.out());
    }

    @Test
    void benchGenerateGoesWindowByWindowLikeGenerate() {
        // 40 frames in windows of 24 with 4 frames of prompt: 24, then 20 more -> two windows
        Run r = run("bench", "--weights", DEMO.toString(), "--frames", "40", "--generate", "--window", "24",
                "--window-prompt", "4", "--warmup", "0", "--repeats", "1", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> json = (Map<?, ?>) Json.parse(r.out().trim());
        assertEquals(2L, json.get("windows"));
        assertEquals(38L, json.get("passes"));
        assertTrue(((Number) json.get("real_time_factor")).doubleValue() > 0, r.out());
    }

    @Test
    void generateOnOpenClAgreesWithTheCpuBackend() {
        org.soundstorm4j.backend.opencl.OpenClDevice.require();
        Path cpu = tmp.resolve("cpu.npy");
        Path opencl = tmp.resolve("opencl.npy");
        for (String[] backend : new String[][] {{"cpu", cpu.toString()}, {"opencl", opencl.toString()}}) {
            Run r = run("generate", "--weights", DEMO.toString(), "--semantic", DEMO.resolve("example_semantic.npy").toString(),
                    "--seed", "3", "--backend", backend[0], "--out", backend[1]);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(backend[0] + ": "), r.out());
        }
        int[] a = Npy.readInts(cpu).data();
        int[] b = Npy.readInts(opencl).data();
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        assertTrue(same >= 0.99 * a.length, same + " of " + a.length + " tokens agree");
    }

    @Test
    void convertWritesTheGoldenModelFromItsPtFile() {
        Path dir = tmp.resolve("converted");
        Run r = run("convert", "--in", "tests/resources/torch/public_small.pt", "--out", dir.toString(), "--heads", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("heads 4 x 16 (heads from --heads") && r.out().contains("note: skipped the state_dict's _metadata"), r.out());
        assertEquals(org.soundstorm4j.model.ModelConfig.read(GOLDEN.resolve("config.json")),
                org.soundstorm4j.model.ModelConfig.read(dir.resolve("config.json")));
        try (org.soundstorm4j.weights.SafeTensors a = org.soundstorm4j.weights.SafeTensors.open(GOLDEN.resolve("model.safetensors"));
             org.soundstorm4j.weights.SafeTensors b = org.soundstorm4j.weights.SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertArrayEquals(a.tensor(name).toFloats(), b.tensor(name).toFloats(), name);
            }
        }
    }

    @Test
    void convertToBf16AndTheDefaultHeads() {
        Path dir = tmp.resolve("bf16");
        Run r = run("convert", "--in", "tests/resources/torch/public_small.pt", "--out", dir.toString(), "--dtype", "bf16",
                "--semantic-rate-ratio", "2");
        assertEquals(0, r.code(), r.err());
        org.soundstorm4j.model.ModelConfig c = org.soundstorm4j.model.ModelConfig.read(dir.resolve("config.json"));
        assertEquals(8, c.heads());
        assertEquals(2, c.semanticRateRatio());
        try (org.soundstorm4j.weights.SafeTensors b = org.soundstorm4j.weights.SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(org.soundstorm4j.weights.DType.BF16, b.tensor("net.code_embeds.weight").dtype());
        }
    }

    @Test
    void convertRefusesAHostileFileAndWritesNothing() {
        Path dir = tmp.resolve("evil");
        Run r = run("convert", "--in", "tests/resources/torch/os_system.pt", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("global os.system is not allowed"), r.err());
        assertFalse(Files.exists(dir));
    }

    @Test
    void everyCommandTakesAPtFileAsWeights() {
        Run r = run("info", "--weights", "tests/resources/torch/public_small.pt");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("heads 8 x 8"), r.out());
        Path out = tmp.resolve("tokens.npy");
        r = run("generate", "--weights", "tests/resources/torch/public_small.pt", "--semantic",
                GOLDEN.resolve("semantic.npy").toString(), "--preset", "fast", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out));
    }
}
