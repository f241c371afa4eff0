package org.soundstorm4j.weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checking a file's tensors against the shapes a config implies, for every loader (the SoundStorm
 * model, the codec): one message listing what is missing or misshapen, read from the shapes alone
 * ({@link NamedTensors#shape}), so nothing is read, inflated or gathered before the check passes.
 */
public final class TensorCheck {
    /** How many problems one message lists before it says how many more there are. */
    private static final int SHOWN = 12;

    private TensorCheck() {
    }

    /** "missing tensor ..." and "tensor ... has shape ..., config implies ..." for each expected tensor that is not as expected. */
    public static List<String> problems(Map<String, long[]> expected, NamedTensors tensors) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!tensors.contains(e.getKey())) {
                problems.add("missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue()));
                continue;
            }
            long[] shape = tensors.shape(e.getKey());
            if (!Arrays.equals(shape, e.getValue())) {
                problems.add("tensor " + e.getKey() + " has shape " + Arrays.toString(shape) + ", config implies "
                        + Arrays.toString(e.getValue()));
            }
        }
        return problems;
    }

    /** Throws one {@link WeightsException} listing {@code problems} (the first 12), unless there are none. */
    public static void failIfAny(Path file, String what, List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        int shown = Math.min(problems.size(), SHOWN);
        String more = problems.size() > shown ? "\n  ... and " + (problems.size() - shown) + " more" : "";
        throw new WeightsException(file + " does not match its " + what + ":\n  "
                + String.join("\n  ", problems.subList(0, shown)) + more);
    }
}
