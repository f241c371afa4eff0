package org.soundstorm4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * SoundStorm generation over a Spark Dataset: each executor loads the model once and runs the rows
 * of its partitions through its batching engine. A row's tokens depend only on that row (its
 * utterance, and its seed or id), so they are the same however the rows are partitioned, retried
 * or speculated, and equal {@code SoundStorm.generate} of the row with that seed in one JVM.
 */
public final class SparkGeneration {
    private SparkGeneration() {
    }

    /**
     * The generation of every row of {@code input}, lazily, as Spark transformations are.
     *
     * <p>Input columns: {@code id} string and {@code semantic} array&lt;int&gt;; optionally {@code seed}
     * long (a null or absent seed is {@link RowSeeds#fromId}), {@code prompt_semantic} array&lt;int&gt;
     * and {@code prompt_acoustic} array&lt;array&lt;int&gt;&gt; (both or neither). Output, one row per
     * input row in its partition's order: {@code id}, {@code tokens} array&lt;array&lt;int&gt;&gt;
     * {@code [frames][Q]}, {@code passes} int, {@code error} string (null, or what is wrong with the
     * row; its tokens are then null) and, with a codec, {@code wav} binary (the row's 16-bit PCM WAV).
     *
     * @throws IllegalArgumentException on the driver, before any task, for a missing or mistyped column
     */
    public static Dataset<Row> generate(Dataset<Row> input, SparkGenerationOptions options) {
        if (input == null || options == null) {
            throw new IllegalArgumentException("input and options are required");
        }
        InputColumns columns = InputColumns.of(input.schema());
        return input.mapPartitions(new PartitionGenerator(options, columns), Encoders.row(outputSchema(options)));
    }

    /**
     * Closes the models this JVM's executors loaded. In local mode the executors are the driver's
     * JVM, so a program that goes on after {@code spark.stop()} calls this to free them; on a
     * cluster the executor JVMs free theirs when they exit. A later job loads them again.
     */
    public static void closeExecutorModels() {
        ExecutorModels.closeAll();
    }

    /** The output's columns for {@code options}. */
    public static StructType outputSchema(SparkGenerationOptions options) {
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("tokens", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType, false)))
                .add("passes", DataTypes.IntegerType)
                .add("error", DataTypes.StringType);
        return options.codec() == null ? schema : schema.add("wav", DataTypes.BinaryType);
    }
}
