package org.soundstorm4j.spark;

import java.io.Serializable;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.backend.Backends;

/**
 * How {@link SparkGeneration#generate} runs. Sent to every task, so it holds names, not loaded models.
 *
 * @param weights       the model folder (config.json + model.safetensors): a local path every executor can
 *                      read (the same path on every node, or NFS), or a Hadoop FileSystem URI
 *                      ({@code hdfs://...}, {@code s3a://...}) copied into the executor's temp dir (spark/README.md)
 * @param codec         the codec folder or {@code SpeechTokenizer.pt}, located as {@code weights} is; or null
 *                      for tokens only
 * @param backend       the backend each executor loads ("auto", "cpu", "opencl", "cuda"); with a GPU
 *                      assigned to the task by Spark, "cuda" (and "auto" where CUDA can run) uses that GPU
 * @param config        how to decode; its seed is ignored, each row has its own ({@link RowSeeds})
 * @param batch         rows per forward pass on an executor (the engine's maximum rows); the rows of all
 *                      the executor's running tasks share passes
 * @param failOnBadRow  false: a bad row gets its {@code error} and the job goes on; true: the first bad row
 *                      fails its task (and so, once Spark's retries are spent, the job)
 */
public record SparkGenerationOptions(String weights, String codec, String backend, GenerationConfig config,
                                     int batch, boolean failOnBadRow) implements Serializable {

    public SparkGenerationOptions {
        if (weights == null || weights.isBlank()) {
            throw new IllegalArgumentException("weights is required: the model folder every executor can read");
        }
        if (codec != null && codec.isBlank()) {
            throw new IllegalArgumentException("codec is blank: give a codec folder, or null for tokens only");
        }
        if (backend == null || !Backends.NAMES.contains(backend)) {
            throw new IllegalArgumentException("unknown backend '" + backend + "': one of " + Backends.NAMES);
        }
        if (config == null) {
            throw new IllegalArgumentException("config is null: pass GenerationConfig.paper()");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
    }

    /** The paper's decoding on the "auto" backend, 16 rows per pass, tokens only, bad rows reported. */
    public static SparkGenerationOptions of(String weights) {
        return new SparkGenerationOptions(weights, null, "auto", GenerationConfig.paper(), 16, false);
    }

    /** With audio: each row's WAV in the output's {@code wav} column. */
    public SparkGenerationOptions withCodec(String c) {
        return new SparkGenerationOptions(weights, c, backend, config, batch, failOnBadRow);
    }

    public SparkGenerationOptions withBackend(String b) {
        return new SparkGenerationOptions(weights, codec, b, config, batch, failOnBadRow);
    }

    public SparkGenerationOptions withConfig(GenerationConfig c) {
        return new SparkGenerationOptions(weights, codec, backend, c, batch, failOnBadRow);
    }

    public SparkGenerationOptions withBatch(int rows) {
        return new SparkGenerationOptions(weights, codec, backend, config, rows, failOnBadRow);
    }

    public SparkGenerationOptions withFailOnBadRow(boolean fail) {
        return new SparkGenerationOptions(weights, codec, backend, config, batch, fail);
    }
}
