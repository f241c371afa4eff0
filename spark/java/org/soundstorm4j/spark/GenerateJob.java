package org.soundstorm4j.spark;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.soundstorm4j.GenerationConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The batch job: a JSONL or Parquet file of rows in, their generation out (spark/README.md). Runs
 * under {@code spark-submit} on a cluster, or with plain {@code java -cp} in local mode.
 */
@Command(name = "GenerateJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generates SoundStorm tokens (and audio) for every row of a JSONL or Parquet file on Spark.")
public final class GenerateJob implements Callable<Integer> {
    /**
     * JSON input's columns, so that the reader does not guess a schema, and a line that does not fit them
     * keeps its text in {@code _corrupt_record}, which makes it a bad row (its error names the line).
     */
    static final StructType JSON_INPUT = new StructType()
            .add("id", DataTypes.StringType)
            .add("semantic", DataTypes.createArrayType(DataTypes.LongType))
            .add("seed", DataTypes.LongType)
            .add("prompt_semantic", DataTypes.createArrayType(DataTypes.LongType))
            .add("prompt_acoustic", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType)))
            .add(InputColumns.MALFORMED, DataTypes.StringType);

    @Option(names = "--weights", required = true, description = "Model folder every executor can read: a path, or a "
            + "Hadoop URI (hdfs://, s3a://) copied into each executor's temp dir.")
    String weights;

    @Option(names = "--input", required = true, description = "Rows: *.jsonl / *.json (one object per line) or *.parquet.")
    String input;

    @Option(names = "--output", required = true, description = "Output folder of part files, as Spark writes: *.parquet "
            + "or *.jsonl / *.json. Must not exist.")
    String output;

    @Option(names = "--codec", description = "Codec folder (or SpeechTokenizer.pt): adds each row's WAV in column wav.")
    String codec;

    @Option(names = "--batch", defaultValue = "16", description = "Rows per forward pass on an executor (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--master", description = "Spark master; default: spark-submit's, else local[*].")
    String master;

    @Option(names = "--backend", defaultValue = "auto", description = "Executors' backend: auto, cpu, opencl, cuda "
            + "(default: ${DEFAULT-VALUE}; with Spark GPU scheduling, cuda, and auto where CUDA can run, use "
            + "the task's GPU).")
    String backend;

    @Option(names = "--preset", defaultValue = "paper", description = "paper or fast (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--partitions", description = "Repartition the input into this many partitions first.")
    Integer partitions;

    @Option(names = "--sort-by-length", description = "Sort each partition's rows by semantic length first, so "
            + "that rows of similar length reach the engine together and share more passes (mixed-length input).")
    boolean sortByLength;

    @Option(names = "--fail-on-bad-row", description = "Fail the job on the first bad row instead of reporting it in "
            + "its error column.")
    boolean failOnBadRow;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the job as {@link #main} does, returning the exit code (0 done, 1 failed, 2 bad arguments). */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new GenerateJob());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("error: " + (e.getMessage() == null ? e : e.getMessage()));
            return 1;
        });
        return cli.execute(args);
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String inFormat;
        String outFormat;
        SparkGenerationOptions options;
        try { // a bad value of an option is a bad argument (exit status 2), found before Spark starts
            inFormat = format(input, "--input");
            outFormat = format(output, "--output");
            if (partitions != null && partitions < 1) {
                throw new IllegalArgumentException("--partitions must be >= 1");
            }
            options = SparkGenerationOptions.of(weights).withCodec(codec).withBackend(backend).withBatch(batch)
                    .withConfig(GenerationConfig.preset(preset)).withFailOnBadRow(failOnBadRow);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        SparkSession spark = session();
        try {
            refuseExisting(spark, output);
            Dataset<Row> rows = inFormat.equals("json") ? spark.read().schema(JSON_INPUT).json(input)
                    : spark.read().parquet(input);
            if (partitions != null) {
                rows = rows.repartition(partitions);
            }
            if (sortByLength) {
                InputColumns.of(rows.schema()); // a missing semantic named as generate names it, before the sort needs it
                // a local sort within each task: no shuffle, and a row's tokens do not depend on its position
                rows = rows.sortWithinPartitions(functions.size(functions.col("semantic")));
            }
            Dataset<Row> generated = SparkGeneration.generate(rows, options);
            if (outFormat.equals("json")) {
                generated.write().json(output);
            } else {
                generated.write().parquet(output);
            }
            // JSON leaves null fields out, so a run without errors has no error field to infer: read with the schema
            Dataset<Row> written = outFormat.equals("json")
                    ? spark.read().schema(SparkGeneration.outputSchema(options)).json(output)
                    : spark.read().parquet(output);
            long total = written.count();
            long bad = written.filter("error IS NOT NULL").count();
            System.out.printf(Locale.ROOT, "wrote %d rows (%d with an error) to %s in %.1f s%n", total, bad, output,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        } finally {
            spark.stop();
            SparkGeneration.closeExecutorModels(); // local mode: the executors' models live in this JVM
        }
    }

    private SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().appName("soundstorm4j-generate");
        String chosen = master != null ? master : System.getProperty("spark.master");
        if (chosen == null || chosen.startsWith("local")) {
            // local mode: everything in this JVM, nothing listening beyond this machine
            b.master(chosen == null ? "local[*]" : chosen)
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                    // the stage's task count as the job goes ([Stage 2:====>   (3 + 2) / 8]), on stderr
                    .config("spark.ui.showConsoleProgress", "true");
        } else {
            b.master(chosen);
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    private static void refuseExisting(SparkSession spark, String output) {
        try {
            Path out = new Path(output);
            FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(out)) {
                throw new IllegalArgumentException("--output " + output + " exists: give a new folder");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot check --output " + output + ": " + e.getMessage(), e);
        }
    }

    private static String format(String path, String option) {
        String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (p.endsWith(".jsonl") || p.endsWith(".json")) {
            return "json";
        }
        if (p.endsWith(".parquet")) {
            return "parquet";
        }
        throw new IllegalArgumentException(option + " " + path + ": name it *.jsonl, *.json or *.parquet");
    }
}
