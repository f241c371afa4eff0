package org.soundstorm4j.model;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.soundstorm4j.backend.MatrixSource;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.TensorCheck;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A model's weights and config, opened and checked so that every tensor the config implies is
 * present with its shape and nothing else is there. Either a model directory
 * ({@code config.json} plus {@code model.safetensors}) or a PyTorch state_dict file written by
 * {@code torch.save} (such as the public {@code SoundStorm_best_dev.pt}), whose config is
 * inferred from its tensor shapes ({@link ConfigInference}). The tensors stay memory-mapped until
 * {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    private final ModelConfig config;
    private final NamedTensors tensors;
    private final List<String> notes;

    private Checkpoint(ModelConfig config, NamedTensors tensors, List<String> notes) {
        this.config = config;
        this.tensors = tensors;
        this.notes = notes;
    }

    /**
     * Opens and checks {@code path}: a model directory, or a PyTorch checkpoint file whose config
     * is inferred with the public release's defaults ({@link InferenceOptions#publicRelease()}).
     */
    public static Checkpoint open(Path path) {
        if (Files.isRegularFile(path)) {
            return openTorch(path, InferenceOptions.publicRelease());
        }
        if (!Files.isDirectory(path)) {
            throw new WeightsException("model " + path + " does not exist (expected a directory holding "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE + ", or a PyTorch .pt state_dict)");
        }
        Path dir = path;
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        for (Path p : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(p)) {
                throw new WeightsException("model directory " + dir + " has no " + p.getFileName());
            }
        }
        ModelConfig config = ModelConfig.read(configFile);
        SafeTensors tensors = SafeTensors.open(weightsFile);
        try {
            check(config, tensors);
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, tensors);
            throw failure;
        }
        return new Checkpoint(config, tensors, List.of());
    }

    /**
     * Opens a PyTorch state_dict file ({@code torch.save} zip format), infers its config from the
     * tensor shapes and {@code options}, and checks every tensor against that config.
     */
    public static Checkpoint openTorch(Path file, InferenceOptions options) {
        TorchCheckpoint tensors = TorchCheckpoint.open(file);
        try {
            ModelConfig config = ConfigInference.infer(tensors, options);
            check(config, tensors);
            return new Checkpoint(config, tensors, tensors.notes());
        } catch (Throwable failure) {
            Cleanup.closeAfterFailure(failure, tensors);
            throw failure;
        }
    }

    /**
     * Throws a {@link WeightsException} listing every expected tensor that is missing or has the
     * wrong shape, and every tensor the config does not explain.
     */
    static void check(ModelConfig config, NamedTensors tensors) {
        Map<String, long[]> expected = TensorNames.expected(config);
        List<String> problems = TensorCheck.problems(expected, tensors);
        for (String name : tensors.names()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected tensor " + name);
            }
        }
        TensorCheck.failIfAny(tensors.path(), "config (" + config + ")", problems);
    }

    public ModelConfig config() {
        return config;
    }

    /** What the source file holds besides the weights and was skipped on purpose (empty for a model directory). */
    public List<String> notes() {
        return notes;
    }

    /** The named tensor, viewing the file in place while this checkpoint is open. */
    public TensorView tensor(String name) {
        return tensors.tensor(name);
    }

    /**
     * The named tensor as floats (converted from F16/BF16 if stored so).
     *
     * @throws WeightsException also when the mapped file faults on reading (truncated since it was opened)
     */
    public float[] floats(String name) {
        return tensors.tensor(name).toFloats();
    }

    /** Elements {@code [from, from + count)} (C order) of the named tensor as floats. */
    float[] floats(String name, long from, int count) {
        float[] out = new float[count];
        tensors.tensor(name).copyTo(from, out, 0, count);
        return out;
    }

    /**
     * The named 2-D tensor {@code [rows, cols]} as a matrix to upload, read from the file in
     * place (no heap copy), valid while this checkpoint is open.
     */
    MatrixSource matrix(String name, int rows, int cols) {
        return StoredMatrix.whole(tensors.tensor(name), rows, cols);
    }

    /**
     * {@code rows * cols} elements of the named tensor from element {@code first} on, as a matrix
     * {@code W[rows, cols]} stored as {@code W} or, if {@code transposed}, as {@code W^T}.
     */
    MatrixSource matrix(String name, long first, int rows, int cols, boolean transposed) {
        return new StoredMatrix(tensors.tensor(name), first, rows, cols, transposed);
    }

    /**
     * Drops this process's mapped pages of every tensor whose name starts with {@code prefix}
     * (madvise DONTNEED through {@link MemorySegment#unload}) once they are uploaded: the file
     * stays in the page cache, but the pages stop counting in the resident set, so a load peaks
     * near the packed weights' size instead of twice it. Reading such a tensor again is still
     * correct (its pages fault back in).
     */
    void dropPages(String prefix) {
        for (String name : tensors.names()) {
            if (name.startsWith(prefix)) {
                MemorySegment data = tensors.tensor(name).data();
                if (data.isMapped() && data.byteSize() > 0) {
                    data.unload();
                }
            }
        }
    }

    @Override
    public void close() {
        tensors.close();
    }
}
