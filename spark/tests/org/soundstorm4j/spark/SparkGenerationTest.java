package org.soundstorm4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.io.Npy;

/**
 * Generation on Spark local[2] against one JVM: 200 rows of mixed lengths (some prompted, some with
 * their own seed, some bad) through {@link SparkGeneration#generate}, each good row equal to
 * {@code SoundStorm.generate} of that row and seed alone; bad rows carry their error; one model load
 * per JVM; a task that fails on its first attempt changes nothing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkGenerationTest {
    private static final String WEIGHTS = "weights/trained";
    private static final GenerationConfig CONFIG = GenerationConfig.paper();
    private static final SparkGenerationOptions OPTIONS = SparkGenerationOptions.of(WEIGHTS).withBackend("cpu")
            .withBatch(8);
    /** The rows that must come out bad, and a word their error must contain. */
    private static final Map<String, String> BAD = new LinkedHashMap<>();

    private static SparkSession spark;
    private static SoundStorm solo;
    private static Dataset<Row> input;
    private static final Map<String, Utterance> UTTERANCES = new LinkedHashMap<>();
    private static final Map<String, Long> SEEDS = new LinkedHashMap<>();
    private static final AtomicInteger INJECTED = new AtomicInteger();

    @BeforeAll
    static void start() {
        spark = SparkTests.session();
        solo = SoundStorm.load(Path.of(WEIGHTS), new CpuBackend(1));
        // the job's JSON columns without the reader's _corrupt_record, which rows made here do not have
        StructType columns = new StructType(java.util.Arrays.copyOf(GenerateJob.JSON_INPUT.fields(), 5));
        input = spark.createDataFrame(rows(), columns).repartition(5);
    }

    @AfterAll
    static void stop() {
        ExecutorModels.closeAll();
        if (solo != null) {
            solo.close();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    /** 200 rows: 6 to 120 frames, one in four prompted, one in three with a seed column, and 8 bad ones. */
    private static List<Row> rows() {
        int[][] semantic = Npy.readInts(Path.of(WEIGHTS, "example_semantic.npy")).toMatrix();
        int[][] promptSemantic = Npy.readInts(Path.of(WEIGHTS, "example_prompt_semantic.npy")).toMatrix();
        int[] ps = Npy.readInts(Path.of(WEIGHTS, "example_prompt_acoustic.npy")).data();
        SplittableRandom r = new SplittableRandom(13);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 192; i++) {
            String id = "row-" + i;
            int length = 3 + r.nextInt(58);
            int[] ids = new int[length];
            for (int j = 0; j < length; j++) {
                ids[j] = semantic[i % 8][j % 50] ^ (j / 50); // past 50, a variation on the example
            }
            Long seed = i % 3 == 0 ? r.nextLong() : null;
            Utterance u = Utterance.of(ids);
            List<Long> pSem = null;
            List<List<Long>> pAc = null;
            if (i % 4 == 1) {
                int e = i % 8;
                int[][] frames = new int[20][4];
                for (int t = 0; t < 20; t++) {
                    System.arraycopy(ps, (e * 20 + t) * 4, frames[t], 0, 4);
                }
                u = u.withPrompt(promptSemantic[e], frames);
                pSem = SparkTests.longs(promptSemantic[e]);
                pAc = SparkTests.longs(frames);
            }
            UTTERANCES.put(id, u);
            SEEDS.put(id, seed != null ? seed : RowSeeds.fromId(id));
            rows.add(RowFactory.create(id, SparkTests.longs(ids), seed, pSem, pAc));
        }
        List<Long> ok = SparkTests.longs(new int[] {1, 2, 3, 4});
        bad(rows, "bad-range", "semantic id", SparkTests.longs(new int[] {1, 2, 32, 4}), null, null);
        bad(rows, "bad-negative", "semantic id", SparkTests.longs(new int[] {-1}), null, null);
        bad(rows, "bad-null-semantic", "semantic is null", null, null, null);
        bad(rows, "bad-empty", "empty", List.of(), null, null);
        bad(rows, "bad-overflow", "out of range", List.of(1L, 1L << 40), null, null);
        bad(rows, "bad-half-prompt", "go together", ok, ok, null);
        bad(rows, "bad-prompt-frames", "acoustic frames", ok, SparkTests.longs(new int[] {1}),
                SparkTests.longs(new int[][] {{1, 2, 3, 4}}));
        bad(rows, "bad-prompt-levels", "levels", ok, SparkTests.longs(new int[] {1}),
                SparkTests.longs(new int[][] {{1, 2, 3}, {1, 2, 3}}));
        rows.add(RowFactory.create(null, ok, null, null, null)); // the id is what names a row: null is bad
        return rows;
    }

    private static void bad(List<Row> rows, String id, String says, List<Long> semantic, List<Long> pSem,
                            List<List<Long>> pAc) {
        BAD.put(id, says);
        rows.add(RowFactory.create(id, semantic, null, pSem, pAc));
    }

    @Test
    void everyGoodRowEqualsItsSingleJvmGenerationAndBadRowsCarryTheirError() {
        int loadsBefore = ExecutorModels.loads(WEIGHTS);
        Map<String, Row> out = SparkTests.byId(SparkGeneration.generate(input, OPTIONS).collectAsList());
        assertEquals(UTTERANCES.size() + BAD.size() + 1, out.size(), "one output row per input row");
        for (Map.Entry<String, Utterance> e : UTTERANCES.entrySet()) {
            Row row = out.get(e.getKey());
            assertNull(row.get(3), () -> e.getKey() + ": " + row.get(3));
            int[][] want = solo.generate(e.getValue(), CONFIG.withSeed(SEEDS.get(e.getKey()))).sequence(0);
            assertArrayEquals(want, SparkTests.tokens(row), e.getKey());
            assertTrue(row.getInt(2) > 0, "passes");
        }
        for (Map.Entry<String, String> e : BAD.entrySet()) {
            Row row = out.get(e.getKey());
            assertNull(row.get(1), e.getKey());
            assertNotNull(row.get(3), e.getKey() + " has no error");
            assertTrue(row.getString(3).contains(e.getValue()), e.getKey() + ": " + row.getString(3));
        }
        assertEquals("id is null", out.get(null).getString(3));
        // 5 partitions on 2 task slots, one JVM: one load at most (none if an earlier test loaded it)
        int loads = ExecutorModels.loads(WEIGHTS);
        assertTrue(loads - loadsBefore <= 1, "loads: " + (loads - loadsBefore));
        // a second job on this JVM loads nothing, and its rows go through the executor's engine
        // together: its passes hold several rows each
        org.soundstorm4j.engine.EngineMetrics m = ExecutorModels.forTask(OPTIONS).model().engine().metrics();
        long passes = m.passes();
        long rowsInPasses = m.rowsInPasses();
        SparkGeneration.generate(input, OPTIONS).collectAsList();
        assertEquals(loads, ExecutorModels.loads(WEIGHTS), "the second job reloaded the model");
        double rowsPerPass = (double) (m.rowsInPasses() - rowsInPasses) / (m.passes() - passes);
        assertTrue(rowsPerPass > 1.5, "rows per pass: " + rowsPerPass);
    }

    @Test
    void aModelWhoseEngineStoppedIsLoadedAgainByTheRetriedTasks() {
        ExecutorModels.Loaded broken = ExecutorModels.forTask(OPTIONS);
        int loads = ExecutorModels.loads(WEIGHTS);
        broken.model().engine().close(); // it refuses every request from now on, as after its scheduler died
        Map<String, Row> out = SparkTests.byId(SparkGeneration.generate(input, OPTIONS).collectAsList());
        assertEquals(UTTERANCES.size() + BAD.size() + 1, out.size());
        for (String id : UTTERANCES.keySet()) {
            assertNull(out.get(id).get(3), () -> id + ": " + out.get(id).get(3));
        }
        assertEquals(loads + 1, ExecutorModels.loads(WEIGHTS), "the failed tasks' retries loaded the model once");
        assertTrue(ExecutorModels.forTask(OPTIONS) != broken, "the stopped model is forgotten");
    }

    @Test
    void jsonLinesThatDoNotFitTheColumnsAreBadRowsNamingTheLine(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path file = java.nio.file.Files.write(tmp.resolve("rows.jsonl"), List.of(
                "{\"id\": \"good\", \"semantic\": [1, 2, 3]}",
                "{\"id\": \"quoted-seed\", \"semantic\": [1, 2, 3], \"seed\": \"7\"}",
                "{\"id\": \"fraction\", \"semantic\": [1, 2.5]}",
                "not json at all"));
        Map<String, Row> out = new java.util.HashMap<>();
        for (Row r : SparkGeneration.generate(spark.read().schema(GenerateJob.JSON_INPUT).json(file.toString()), OPTIONS)
                .collectAsList()) {
            out.put(r.isNullAt(0) ? "(null id)" : r.getString(0), r);
        }
        assertEquals(java.util.Set.of("good", "quoted-seed", "fraction", "(null id)"), out.keySet());
        assertNull(out.get("good").get(3));
        for (String id : List.of("quoted-seed", "fraction", "(null id)")) {
            String error = out.get(id).getString(3);
            assertTrue(error != null && error.startsWith("the input line does not fit the columns"), id + ": " + error);
            assertNull(out.get(id).get(1), id);
        }
        assertTrue(out.get("(null id)").getString(3).contains("not json at all"));
        assertTrue(out.get("quoted-seed").getString(3).contains("\"seed\": \"7\""));
    }

    @Test
    void aTaskThatFailsOnItsFirstAttemptAndIsRetriedWritesTheSameRows() {
        Map<String, Row> clean = SparkTests.byId(SparkGeneration.generate(input, OPTIONS).collectAsList());
        INJECTED.set(0);
        Dataset<Row> generated = SparkGeneration.generate(input, OPTIONS);
        // downstream in the same stage, so the failure retries the whole task, generation included
        MapPartitionsFunction<Row, Row> failFirstAttempt = rows -> {
            TaskContext task = TaskContext.get();
            if (task.partitionId() == 2 && task.attemptNumber() == 0) {
                rows.next(); // the partition's generation has started
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure of partition 2, attempt 0");
            }
            return rows;
        };
        List<Row> retried = generated.mapPartitions(failFirstAttempt, Encoders.row(generated.schema())).collectAsList();
        assertEquals(1, INJECTED.get(), "the failure was injected once");
        Map<String, Row> again = SparkTests.byId(retried);
        assertEquals(clean.keySet(), again.keySet());
        for (String id : clean.keySet()) {
            assertArrayEquals(SparkTests.tokens(clean.get(id)), SparkTests.tokens(again.get(id)), id);
            assertEquals(clean.get(id).get(3), again.get(id).get(3), id);
        }
    }

    @Test
    void aRowWithoutASeedIsSeededBySha256OfItsId() throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest("row-1".getBytes(StandardCharsets.UTF_8));
        assertEquals(ByteBuffer.wrap(d).getLong(), RowSeeds.fromId("row-1"));
        assertTrue(RowSeeds.fromId("row-1") != RowSeeds.fromId("row-2"));
    }

    @Test
    void failOnBadRowFailsTheJobNamingTheRow() {
        Dataset<Row> out = SparkGeneration.generate(input, OPTIONS.withFailOnBadRow(true));
        Exception e = assertThrows(Exception.class, out::collectAsList);
        String all = messages(e);
        assertTrue(all.contains("row 'bad-") || all.contains("row 'null'"), all);
    }

    @Test
    void aMissingOrMistypedColumnIsRefusedOnTheDriverBeforeAnyTask() {
        StructType noId = new StructType().add("semantic", DataTypes.createArrayType(DataTypes.IntegerType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkGeneration.generate(
                spark.createDataFrame(List.of(RowFactory.create(List.of(1))), noId), OPTIONS));
        assertTrue(e.getMessage().contains("no column 'id'"), e.getMessage());

        StructType textSemantic = new StructType().add("id", DataTypes.StringType).add("semantic", DataTypes.StringType);
        e = assertThrows(IllegalArgumentException.class, () -> SparkGeneration.generate(
                spark.createDataFrame(List.of(RowFactory.create("a", "1 2 3")), textSemantic), OPTIONS));
        assertTrue(e.getMessage().contains("'semantic' is string"), e.getMessage());

        StructType flatPrompt = new StructType().add("id", DataTypes.StringType)
                .add("semantic", DataTypes.createArrayType(DataTypes.IntegerType))
                .add("prompt_acoustic", DataTypes.createArrayType(DataTypes.IntegerType));
        e = assertThrows(IllegalArgumentException.class, () -> SparkGeneration.generate(
                spark.createDataFrame(List.of(RowFactory.create("a", List.of(1), List.of(1))), flatPrompt), OPTIONS));
        assertTrue(e.getMessage().contains("'prompt_acoustic' is array<int>"), e.getMessage());
    }

    @Test
    void intColumnsAreTakenAsLongOnesAre() {
        StructType ints = new StructType().add("id", DataTypes.StringType)
                .add("semantic", DataTypes.createArrayType(DataTypes.IntegerType)).add("seed", DataTypes.IntegerType);
        Row row = SparkGeneration.generate(spark.createDataFrame(List.of(RowFactory.create("i", List.of(5, 6, 7), 9)),
                ints), OPTIONS).collectAsList().get(0);
        assertArrayEquals(solo.generate(Utterance.of(new int[] {5, 6, 7}), CONFIG.withSeed(9)).sequence(0),
                SparkTests.tokens(row));
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append('\n');
        }
        return b.toString();
    }
}
