package org.soundstorm4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code info}: the model's configuration and size, and the backends this machine can run. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the model's config and parameter count, and the backends available here.")
final class InfoCommand extends OutputCommand {
    @Option(names = "--weights", description = "Model directory (config.json + model.safetensors), or a PyTorch .pt state_dict (config inferred, 8 heads; see convert).")
    Path weights;

    @Option(names = "--load", paramLabel = "BACKEND", completionCandidates = BackendNames.class,
            description = "Also load the model onto this backend (${COMPLETION-CANDIDATES}) and print the load time and "
                    + "this process's resident memory afterwards.")
    String load;

    @Override
    public Integer call() {
        if (load != null && weights == null) {
            throw new IllegalArgumentException("--load needs --weights");
        }
        if (weights != null) {
            long t0 = System.nanoTime();
            try (Checkpoint ckpt = Checkpoint.open(weights)) {
                double openMs = (System.nanoTime() - t0) / 1e6;
                ModelConfig c = ckpt.config();
                out().println("model " + weights);
                out().printf("  d %d, depth %d, heads %d x %d, ff x%d, conv E %d K %d%n", c.dim(), c.depth(),
                        c.heads(), c.dimHead(), c.ffMult(), c.convExpansionFactor(), c.convKernelSize());
                out().printf("  levels Q %d, codebook C %d (mask id %d), semantic vocab %d, semantic rate ratio %d, "
                        + "%s logit head%n", c.numQuantizers(), c.codebookSize(), c.maskId(), c.numSemanticTokens(),
                        c.semanticRateRatio(), c.logitHead().jsonName());
                out().printf("  parameters %,d%n", c.parameterCount());
                out().printf(Locale.ROOT, "  opened and checked in %.0f ms (weights stay in the file until loaded)%n", openMs);
            }
            if (load != null) {
                long t1 = System.nanoTime();
                try (SoundStorm model = SoundStorm.load(weights, load)) {
                    out().printf(Locale.ROOT, "  loaded onto %s in %.0f ms; %s%n", model.backendDescription(),
                            (System.nanoTime() - t1) / 1e6, ResidentMemory.now().text());
                }
            }
        }
        out().println("backends");
        for (String line : Backends.available()) {
            out().println("  " + line);
        }
        out().println("java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        return 0;
    }
}
