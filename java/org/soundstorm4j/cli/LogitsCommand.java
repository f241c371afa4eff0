package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logits}: one forward pass on given tokens, for cross-checking against other implementations. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Run one forward pass and write one level's logits [batch, frames, C] as float32 .npy.")
final class LogitsCommand extends OutputCommand {
    @Option(names = "--weights", required = true, description = "Model directory (config.json + model.safetensors), or a PyTorch .pt state_dict (config inferred, 8 heads; see convert).")
    Path weights;

    @Option(names = "--semantic", required = true,
            description = "Semantic ids at the codec frame rate, int32/int64 .npy [batch, frames] (1-D: batch 1).")
    Path semantic;

    @Option(names = "--acoustic", required = true,
            description = "Acoustic ids, int32/int64 .npy [batch, frames, Q] (2-D: batch 1); id C is the mask token.")
    Path acoustic;

    @Option(names = "--level", required = true, description = "RVQ level whose logits to compute, 0-based.")
    int level;

    @Option(names = "--lengths", description = "Valid frames per sequence, int32/int64 .npy [batch] (default: all frames).")
    Path lengths;

    @Option(names = "--out", required = true, description = "Output .npy (float32 [batch, frames, C]).")
    Path out;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = BackendNames.class)
    String backendName;

    @Override
    public Integer call() {
        checkCanWrite(out);
        IntArray sem = Npy.readInts(semantic);
        IntArray ac = Npy.readInts(acoustic);
        int[] semShape = sem.shape().length == 1 ? new int[] {1, sem.shape()[0]} : sem.shape();
        int[] acShape = ac.shape().length == 2 ? new int[] {1, ac.shape()[0], ac.shape()[1]} : ac.shape();
        if (semShape.length != 2) {
            throw new IllegalArgumentException(semantic + ": semantic ids must be [batch, frames] or [frames], got "
                    + Arrays.toString(sem.shape()));
        }
        if (acShape.length != 3 || acShape[0] != semShape[0] || acShape[1] != semShape[1]) {
            throw new IllegalArgumentException(acoustic + ": acoustic ids must be [batch, frames, Q] matching semantic "
                    + Arrays.toString(semShape) + ", got " + Arrays.toString(ac.shape()));
        }
        int batch = semShape[0];
        int frames = semShape[1];
        int[] len = new int[batch];
        Arrays.fill(len, frames);
        if (lengths != null) {
            IntArray l = Npy.readInts(lengths);
            if (l.shape().length != 1 || l.shape()[0] != batch) {
                throw new IllegalArgumentException(lengths + ": lengths must be [" + batch + "], got " + Arrays.toString(l.shape()));
            }
            len = l.data();
        }
        try (Checkpoint ckpt = Checkpoint.open(weights); Backend backend = Backends.create(backendName)) {
            ModelConfig config = ckpt.config();
            if (acShape[2] != config.numQuantizers()) {
                throw new IllegalArgumentException(acoustic + ": the model has " + config.numQuantizers()
                        + " levels, the acoustic ids have " + acShape[2]);
            }
            Conformer model = new Conformer(ckpt, backend);
            float[] logits = model.logits(ac.data(), sem.data(), len, batch, frames, level);
            Npy.writeFloats(out, new int[] {batch, frames, config.codebookSize()}, logits);
            out().printf("wrote %s: level %d logits [%d, %d, %d] float32 (%s)%n", out, level, batch, frames,
                    config.codebookSize(), backend.description());
        }
        return 0;
    }
}
