package org.soundstorm4j.cli;

import java.nio.file.Path;
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

    @Override
    public Integer call() {
        if (weights != null) {
            try (Checkpoint ckpt = Checkpoint.open(weights)) {
                ModelConfig c = ckpt.config();
                out().println("model " + weights);
                out().printf("  d %d, depth %d, heads %d x %d, ff x%d, conv E %d K %d%n", c.dim(), c.depth(),
                        c.heads(), c.dimHead(), c.ffMult(), c.convExpansionFactor(), c.convKernelSize());
                out().printf("  levels Q %d, codebook C %d (mask id %d), semantic vocab %d, semantic rate ratio %d, "
                        + "%s logit head%n", c.numQuantizers(), c.codebookSize(), c.maskId(), c.numSemanticTokens(),
                        c.semanticRateRatio(), c.logitHead().jsonName());
                out().printf("  parameters %,d%n", c.parameterCount());
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
