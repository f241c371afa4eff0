package org.soundstorm4j.cli;

import picocli.CommandLine.Option;

/** {@code --window} and {@code --window-prompt}: how generate and bench --generate cover long inputs. */
final class WindowOptions {
    @Option(names = "--window", defaultValue = "1500", description = "Frames per window for long inputs, prompt included "
            + "(default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--window-prompt", defaultValue = "150", description = "Frames of the previous window that prompt the "
            + "next (default: ${DEFAULT-VALUE}).")
    int windowPrompt;
}
