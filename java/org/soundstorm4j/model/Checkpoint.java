package org.soundstorm4j.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.WeightsException;

/**
 * A model directory: {@code config.json} plus {@code model.safetensors}, opened and checked so
 * that every tensor the config implies is present with its shape and nothing else is there.
 * The tensors stay memory-mapped until {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    private final ModelConfig config;
    private final SafeTensors tensors;

    private Checkpoint(ModelConfig config, SafeTensors tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    /** Opens and checks the model directory {@code dir}. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new WeightsException("model directory " + dir + " does not exist (expected a directory holding "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE + ")");
        }
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
        } catch (RuntimeException e) {
            tensors.close();
            throw e;
        }
        return new Checkpoint(config, tensors);
    }

    /**
     * Throws a {@link WeightsException} listing every expected tensor that is missing or has the
     * wrong shape, and every tensor the config does not explain.
     */
    static void check(ModelConfig config, SafeTensors tensors) {
        Map<String, long[]> expected = TensorNames.expected(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!tensors.contains(e.getKey())) {
                problems.add("missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue()));
                continue;
            }
            long[] shape = tensors.tensor(e.getKey()).shape();
            if (!Arrays.equals(shape, e.getValue())) {
                problems.add("tensor " + e.getKey() + " has shape " + Arrays.toString(shape)
                        + ", config implies " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : tensors.names()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected tensor " + name);
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 12);
            String more = problems.size() > shown ? "\n  ... and " + (problems.size() - shown) + " more" : "";
            throw new WeightsException(tensors.path() + " does not match its config (" + config + "):\n  "
                    + String.join("\n  ", problems.subList(0, shown)) + more);
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** The named tensor as floats (converted from F16/BF16 if stored so). */
    public float[] floats(String name) {
        return tensors.tensor(name).toFloats();
    }

    @Override
    public void close() {
        tensors.close();
    }
}
