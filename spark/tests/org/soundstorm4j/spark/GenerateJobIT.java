package org.soundstorm4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * The README's local-mode command, as a user runs it: {@code java @spark/target/spark-jvm.args -cp
 * "spark/target/soundstorm4j-spark.jar:$(cat spark/target/spark-classpath.txt)" ...GenerateJob} on
 * a JSONL of the trained model's 8 examples, each row's tokens equal to one JVM's
 * {@code SoundStorm.generate} of that row with its seed (or the seed of its id); an existing output
 * and a bad argument are refused with a message and a non-zero exit. Runs in the integration-test
 * phase, after package built the jar and the classpath file (spark/pom.xml).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GenerateJobIT {
    private static final Path JAR = Path.of("spark/target/soundstorm4j-spark.jar");
    private static final Path CLASSPATH = Path.of("spark/target/spark-classpath.txt");
    private static final Path JVM_ARGS = Path.of("spark/target/spark-jvm.args");
    private static final Path TRAINED = Path.of("weights/trained");
    /** The trained model's 8 example utterances as the job's input (the README's command reads it). */
    private static final Path ROWS = TRAINED.resolve("example_rows.jsonl");
    private static final Path CODEC = Path.of("tests/resources/codec/small");

    @TempDir
    static Path tmp;

    private static SoundStorm solo;
    private static final Map<String, Utterance> UTTERANCES = new LinkedHashMap<>();
    private static final Map<String, Long> SEEDS = new HashMap<>();

    @BeforeAll
    static void readTheExamples() throws IOException {
        for (Path p : List.of(JAR, CLASSPATH, JVM_ARGS)) {
            assumeTrue(Files.isRegularFile(p), p + " is not built (mvn package builds it; mvn verify runs this after)");
        }
        solo = SoundStorm.load(TRAINED, new CpuBackend(1));
        IntArray semantic = Npy.readInts(TRAINED.resolve("example_semantic.npy"));
        IntArray promptSemantic = Npy.readInts(TRAINED.resolve("example_prompt_semantic.npy"));
        IntArray promptAcoustic = Npy.readInts(TRAINED.resolve("example_prompt_acoustic.npy"));
        List<String> lines = Files.readAllLines(ROWS, StandardCharsets.UTF_8);
        assertEquals(semantic.dim(0), lines.size(), ROWS + ": one row per example");
        int prompted = 0;
        int seeded = 0;
        for (int i = 0; i < lines.size(); i++) {
            // the file holds the examples as they are in the .npy files, so the job's input is theirs
            Map<?, ?> row = (Map<?, ?>) Json.parse(lines.get(i));
            String id = (String) row.get("id");
            assertEquals("example-" + i, id);
            int[] sem = ints(row.get("semantic"));
            assertArrayEquals(semantic.slice(i).toVector(), sem, id);
            Utterance u = Utterance.of(sem);
            if (row.get("prompt_semantic") != null) {
                int[] ps = ints(row.get("prompt_semantic"));
                int[][] pa = frames(row.get("prompt_acoustic"));
                assertArrayEquals(promptSemantic.slice(i).toVector(), ps, id);
                assertArrayEquals(frames(promptAcoustic.slice(i)), pa, id);
                u = u.withPrompt(ps, pa);
                prompted++;
            }
            if (row.get("seed") != null) {
                seeded++;
            }
            SEEDS.put(id, row.get("seed") != null ? ((Number) row.get("seed")).longValue() : RowSeeds.fromId(id));
            UTTERANCES.put(id, u);
        }
        assertTrue(prompted > 0 && prompted < lines.size(), "some rows prompted, some not: " + prompted);
        assertTrue(seeded > 0 && seeded < lines.size(), "some rows with a seed, some seeded by their id: " + seeded);
    }

    @AfterAll
    static void close() {
        if (solo != null) {
            solo.close();
        }
    }

    @Test
    void theReadmeCommandWritesEachRowsTokensAsOneJvmGeneratesThem() throws Exception {
        Path output = tmp.resolve("tokens.jsonl");
        Result r = job("--weights", TRAINED.toString(), "--input", ROWS.toString(), "--output", output.toString(),
                "--master", "local[2]");
        assertEquals(0, r.exit, r.console);
        assertTrue(r.console.contains("wrote 8 rows (0 with an error) to " + output), r.console);

        Map<String, Map<?, ?>> out = readJsonParts(output);
        assertEquals(UTTERANCES.keySet(), out.keySet());
        for (var e : UTTERANCES.entrySet()) {
            Map<?, ?> row = out.get(e.getKey());
            assertNotNull(row, e.getKey() + " is missing from the output");
            assertNull(row.get("error"), e.getKey() + ": " + row.get("error"));
            int[][] want = solo.generate(e.getValue(), GenerationConfig.paper().withSeed(SEEDS.get(e.getKey())))
                    .sequence(0);
            assertArrayEquals(want, tokens(row.get("tokens")), e.getKey());
            assertTrue(((Number) row.get("passes")).intValue() > 0, e.getKey() + " passes: " + row.get("passes"));
        }
    }

    @Test
    void withACodecParquetOutputCarriesEachRowsWavAndAParquetInputIsSchemaChecked() throws Exception {
        // a random model in the public pairing (semantic ids are level 0) beside the small codec fixture
        ModelConfig paired = new ModelConfig(32, 1, 2, 16, 2, 2, 5, 7, 16, 16, 1, LogitHead.PROJECTED,
                CodecPairing.SEMANTIC_IS_LEVEL_0);
        Path model = TestModels.random(tmp.resolve("paired-model"), paired, 5);
        Path rows = tmp.resolve("paired.jsonl");
        Files.write(rows, List.of("{\"id\":\"a\",\"semantic\":[1,2,3,4,5]}", "{\"id\":\"b\",\"semantic\":[7,7,0,15],\"seed\":3}",
                "{\"id\":\"c\",\"semantic\":[9,8,7,6,5,4,3,2,1]}"), StandardCharsets.UTF_8);
        Path output = tmp.resolve("audio.parquet");
        Result r = job("--weights", model.toString(), "--codec", CODEC.toString(), "--input", rows.toString(),
                "--output", output.toString(), "--master", "local[2]", "--batch", "2", "--sort-by-length");
        assertEquals(0, r.exit, r.console);
        assertTrue(r.console.contains("wrote 3 rows (0 with an error) to " + output), r.console);

        SparkSession spark = SparkTests.session();
        try (SoundStorm pairedSolo = SoundStorm.load(model, new CpuBackend(1));
             Codec codec = Codec.load(CODEC, new CpuBackend(1))) {
            Map<String, Row> out = SparkTests.byId(spark.read().parquet(output.toString()).collectAsList());
            assertEquals(Set.of("a", "b", "c"), out.keySet());
            for (Row row : out.values()) {
                String id = row.getString(row.fieldIndex("id"));
                assertTrue(row.isNullAt(row.fieldIndex("error")), id);
                int[] semantic = id.equals("a") ? new int[] {1, 2, 3, 4, 5} : id.equals("b") ? new int[] {7, 7, 0, 15}
                        : new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1};
                long seed = id.equals("b") ? 3 : RowSeeds.fromId(id);
                int[][] want = pairedSolo.generate(Utterance.of(semantic), GenerationConfig.paper().withSeed(seed))
                        .sequence(0);
                assertArrayEquals(want, SparkTests.tokens(row), id);
                Path wav = Files.write(tmp.resolve(id + ".wav"), (byte[]) row.get(row.fieldIndex("wav")));
                Wav.Audio audio = Wav.read(wav);
                assertEquals(codec.config().sampleRate(), audio.sampleRate(), id);
                assertEquals(want.length * codec.config().hop(), audio.samples().length, id);
            }
        } finally {
            spark.stop();
        }

        // the job's own output as input: Parquet is read, and its missing semantic column named before any task
        // and the same with --sort-by-length, whose sort would otherwise fail on the missing column first
        for (String sort : List.of("--partitions=1", "--sort-by-length")) {
            Result wrongInput = job("--weights", model.toString(), "--input", output.toString(), "--output",
                    tmp.resolve("again.jsonl").toString(), "--master", "local[1]", sort);
            assertEquals(1, wrongInput.exit, wrongInput.console);
            assertTrue(wrongInput.console.contains("the input has no column 'semantic'"), sort + ": " + wrongInput.console);
            assertFalse(Files.exists(tmp.resolve("again.jsonl")), "nothing written for a refused input");
        }
    }

    @Test
    void anExistingOutputIsRefusedAndLeftAsItWas() throws Exception {
        Path output = Files.createDirectories(tmp.resolve("taken.jsonl"));
        Path keep = Files.writeString(output.resolve("keep.txt"), "a user's file");
        Result r = job("--weights", TRAINED.toString(), "--input", ROWS.toString(), "--output", output.toString(),
                "--master", "local[1]");
        assertEquals(1, r.exit, r.console);
        assertTrue(r.console.contains("--output " + output + " exists"), r.console);
        try (Stream<Path> files = Files.list(output)) {
            assertEquals(List.of(keep), files.toList());
        }
    }

    @Test
    void badArgumentsAreNamedWithoutStartingSpark() throws Exception {
        Result missing = job("--input", ROWS.toString(), "--output", tmp.resolve("x.jsonl").toString());
        assertEquals(2, missing.exit, missing.console);
        assertTrue(missing.console.contains("--weights"), missing.console);

        Path csv = tmp.resolve("out.csv");
        Result format = job("--weights", TRAINED.toString(), "--input", ROWS.toString(), "--output", csv.toString());
        assertEquals(2, format.exit, format.console);
        assertTrue(format.console.contains("--output " + csv + ": name it *.jsonl, *.json or *.parquet"),
                format.console);
        assertFalse(Files.exists(csv));

        Result preset = job("--weights", TRAINED.toString(), "--input", ROWS.toString(), "--output",
                tmp.resolve("y.jsonl").toString(), "--preset", "slow");
        assertEquals(2, preset.exit, preset.console);
        assertTrue(preset.console.contains("preset must be paper or fast, not 'slow'"), preset.console);
        for (Result r : List.of(missing, format, preset)) {
            assertFalse(r.console.contains("Running Spark version"), "Spark started: " + r.console);
        }
    }

    private record Result(int exit, String console) {
    }

    /** The README's command with these arguments; its console (stdout and stderr) once it exits. */
    private static Result job(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + JVM_ARGS, "-Djava.io.tmpdir=" + tmp, "-cp",
                JAR + ":" + Files.readString(CLASSPATH).strip(), "org.soundstorm4j.spark.GenerateJob"));
        command.addAll(List.of(args));
        Path console = Files.createTempFile(tmp, "console", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the job did not end in 5 minutes: " + Files.readString(console));
        }
        return new Result(p.exitValue(), Files.readString(console));
    }

    /** Spark's JSON output folder: every part file's rows, by id. */
    private static Map<String, Map<?, ?>> readJsonParts(Path folder) throws IOException {
        assertTrue(Files.exists(folder.resolve("_SUCCESS")), "no _SUCCESS in " + folder);
        Map<String, Map<?, ?>> out = new HashMap<>();
        try (Stream<Path> parts = Files.list(folder)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
                    Map<?, ?> row = (Map<?, ?>) Json.parse(line);
                    assertNull(out.put((String) row.get("id"), row), row.get("id") + " appears twice");
                }
            }
        }
        return out;
    }

    private static int[][] tokens(Object json) {
        assertNotNull(json, "no tokens");
        return frames(json);
    }

    /** A JSON array of arrays of numbers as {@code int[][]}. */
    private static int[][] frames(Object json) {
        List<?> frames = (List<?>) json;
        int[][] out = new int[frames.size()][];
        for (int t = 0; t < out.length; t++) {
            out[t] = ints(frames.get(t));
        }
        return out;
    }

    private static int[] ints(Object json) {
        return ((List<?>) json).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    private static int[][] frames(IntArray a) {
        int[][] out = new int[a.dim(0)][];
        for (int t = 0; t < out.length; t++) {
            out[t] = a.slice(t).toVector();
        }
        return out;
    }
}
