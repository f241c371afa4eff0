package org.soundstorm4j.cli;

import org.soundstorm4j.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar soundstorm4j.jar <command>}: the command-line entry point. */
@Command(name = "soundstorm4j", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "SoundStorm (arXiv 2305.09636) inference: RVQ audio tokens from semantic tokens.",
        subcommands = {GenerateCommand.class, DecodeCommand.class, LogitsCommand.class, BenchCommand.class, InfoCommand.class,
                ConvertCommand.class, ServeCommand.class})
public final class Main {

    public static void main(String[] args) {
        if (VectorApiRelaunch.wanted()) {
            System.exit(VectorApiRelaunch.run(args));
        }
        if (VectorApiRelaunch.isChild()) {
            VectorApiRelaunch.exitWithParent();
        }
        CommandLine cl = commandLine();
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(code);
    }

    /** {@code --version}: the pom's version, through {@link Version}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"soundstorm4j " + Version.get()};
        }
    }

    /** The command line with its error handling: a bad input prints one message, not a stack trace. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            if (System.getenv("SOUNDSTORM4J_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cl;
    }
}
