import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.engine.EngineMetrics;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.engine.Generation;
import org.soundstorm4j.engine.GenerationRequest;
import org.soundstorm4j.spark.SparkGeneration;
import org.soundstorm4j.spark.SparkGenerationOptions;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Throughput of SparkGeneration on local[N] beside one JVM on the same rows, in one run
 * (docs/BENCHMARKS.md, "Spark"): the same rows through (1) SoundStorm.generate one at a time,
 * (2) the batching engine with every row submitted at once, in input order and sorted by length,
 * (3) SparkGeneration.generate on local[N], as the rows come and sorted by length within each
 * partition; Spark's tokens are checked against the engine's, row by row. With --min-semantic the
 * rows' lengths are uniform in [min, --semantic] semantic ids.
 *
 * <pre>
 * java @spark/target/spark-jvm.args -cp "spark/target/soundstorm4j-spark.jar:$(cat spark/target/spark-classpath.txt)" \
 *     bench/SparkThroughput.java --weights weights/trained [--rows 256] [--semantic 50] [--min-semantic 50] [--batch 16]
 *     [--master local[2]] [--partitions 2] [--repeats 3] [--backend cpu]
 * </pre>
 */
public final class SparkThroughput {
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        String weights = opt.getOrDefault("--weights", "weights/trained");
        int rows = Integer.parseInt(opt.getOrDefault("--rows", "256"));
        int longest = Integer.parseInt(opt.getOrDefault("--semantic", "50"));
        int shortest = Integer.parseInt(opt.getOrDefault("--min-semantic", String.valueOf(longest)));
        int batch = Integer.parseInt(opt.getOrDefault("--batch", "16"));
        String master = opt.getOrDefault("--master", "local[2]");
        int partitions = Integer.parseInt(opt.getOrDefault("--partitions", "2"));
        int repeats = Integer.parseInt(opt.getOrDefault("--repeats", "3"));
        String backend = opt.getOrDefault("--backend", "cpu");
        GenerationConfig config = GenerationConfig.paper();

        List<String> ids = new ArrayList<>();
        List<int[]> semantic = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(13);
        Map<String, int[][]> engineTokens = new HashMap<>();
        List<String[]> table = new ArrayList<>();
        long frames = 0;
        double oneAtATime;
        EngineSettings settings = EngineSettings.defaults().withMaxRows(batch).withMaxWait(Duration.ofMillis(2))
                .withMaxQueued(Math.max(rows, 1));
        try (SoundStorm model = SoundStorm.load(Path.of(weights), Backends.create(backend), settings)) {
            int vocabulary = model.config().numSemanticTokens();
            for (int i = 0; i < rows; i++) {
                ids.add("row-" + i);
                semantic.add(random.ints(random.nextInt(shortest, longest + 1), 0, vocabulary).toArray());
                frames += (long) semantic.get(i).length * model.config().semanticRateRatio();
            }
            // warm-up of the JIT on both paths, untimed
            for (int i = 0; i < Math.min(rows, 2 * batch); i++) {
                model.generate(Utterance.of(semantic.get(i)), config.withSeed(i));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < rows; i++) {
                model.generate(Utterance.of(semantic.get(i)), config.withSeed(i));
            }
            oneAtATime = (System.nanoTime() - t0) / 1e9;
            table.add(new String[] {"one JVM, generate one at a time", seconds(oneAtATime), "1.00"});
            List<Integer> inOrder = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                inOrder.add(i);
            }
            List<Integer> byLength = new ArrayList<>(inOrder);
            byLength.sort(Comparator.comparingInt(i -> semantic.get(i).length));
            for (List<Integer> order : List.of(inOrder, byLength)) {
                EngineMetrics m = model.engine().metrics();
                long passes = m.passes();
                long rowsInPasses = m.rowsInPasses();
                List<GenerationRequest> requests = new ArrayList<>();
                for (int i : order) {
                    requests.add(GenerationRequest.of(Utterance.of(semantic.get(i)), config.withSeed(i)));
                }
                t0 = System.nanoTime();
                List<CompletableFuture<Generation>> done = model.engine().submitAll(requests);
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
                double s = (System.nanoTime() - t0) / 1e9;
                table.add(new String[] {"one JVM, engine, all rows submitted" + (order == byLength ? " by length" : ""),
                        seconds(s), String.format(Locale.ROOT, "%.2f",
                                (double) (m.rowsInPasses() - rowsInPasses) / (m.passes() - passes))});
                for (int k = 0; k < order.size(); k++) {
                    engineTokens.put(ids.get(order.get(k)), done.get(k).join().tokens());
                }
            }
        }

        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("semantic", DataTypes.createArrayType(DataTypes.IntegerType))
                .add("seed", DataTypes.LongType);
        List<Row> input = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            input.add(RowFactory.create(ids.get(i), Arrays.stream(semantic.get(i)).boxed().toList(), (long) i));
        }
        SparkGenerationOptions options = SparkGenerationOptions.of(weights).withBackend(backend).withBatch(batch)
                .withConfig(config);
        SparkSession spark = SparkSession.builder().appName("soundstorm4j-spark-throughput").master(master)
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        int mismatches = 0;
        try {
            Dataset<Row> data = spark.createDataFrame(input, schema).repartition(partitions).cache();
            data.count(); // the input in memory before any timing, as a real job's scan is not ours to measure
            Dataset<Row> sorted = data.sortWithinPartitions(functions.size(functions.col("semantic")));
            long t0 = System.nanoTime();
            mismatches += mismatches(SparkGeneration.generate(data, options).collectAsList(), engineTokens, rows);
            table.add(new String[] {"Spark " + master + ", first job (loads the model)", seconds((System.nanoTime() - t0) / 1e9), ""});
            for (Dataset<Row> d : List.of(data, sorted)) {
                double[] warm = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    t0 = System.nanoTime();
                    List<Row> out = SparkGeneration.generate(d, options).collectAsList();
                    warm[r] = (System.nanoTime() - t0) / 1e9;
                    mismatches += mismatches(out, engineTokens, rows);
                }
                Arrays.sort(warm);
                table.add(new String[] {"Spark " + master + ", median of " + repeats + " more jobs"
                        + (d == sorted ? ", sorted by length within partitions" : ""), seconds(warm[repeats / 2]), ""});
            }
        } finally {
            spark.stop();
            SparkGeneration.closeExecutorModels();
        }
        System.out.printf(Locale.ROOT, "%d rows of %d to %d semantic ids (%d frames in all), paper preset, batch %d, "
                + "backend %s, %s with %d partitions%n", rows, shortest, longest, frames, batch, backend, master, partitions);
        System.out.println("| run | seconds | rows/s | frames/s | vs one at a time | engine rows per pass |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (String[] r : table) {
            double s = Double.parseDouble(r[1]);
            System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.2fx | %s |%n", r[0], r[1], rows / s, frames / s,
                    oneAtATime / s, r[2]);
        }
        System.out.println("Spark rows whose tokens differ from the engine's: " + mismatches);
        if (mismatches > 0) {
            System.exit(1);
        }
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f", s);
    }

    private static int mismatches(List<Row> out, Map<String, int[][]> want, int rows) {
        if (out.size() != rows) {
            throw new IllegalStateException(out.size() + " rows came back of " + rows);
        }
        int bad = 0;
        for (Row row : out) {
            if (!row.isNullAt(3) || !Arrays.deepEquals(want.get(row.getString(0)), tokens(row))) {
                bad++;
            }
        }
        return bad;
    }

    private static int[][] tokens(Row r) {
        List<Object> frames = r.getList(1);
        int[][] out = new int[frames.size()][];
        for (int t = 0; t < out.length; t++) {
            List<?> levels = CollectionConverters.asJava((scala.collection.Seq<?>) frames.get(t));
            out[t] = levels.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        }
        return out;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            out.put(args[i], args[i + 1]);
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException(args[args.length - 1] + " needs a value");
        }
        return out;
    }
}
