package org.soundstorm4j.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar soundstorm4j.jar} cannot put the incubating Vector API module in the boot layer
 * (a manifest has no Add-Modules attribute), and without it the CPU backend falls back to its
 * slower scalar kernels. So the command line re-runs itself once in a child JVM with
 * {@code --add-modules jdk.incubator.vector}, passing on its arguments, standard streams and
 * exit code. Set {@code SOUNDSTORM4J_NO_RELAUNCH=1} to stay on the scalar path instead.
 */
final class VectorApiRelaunch {
    static final String MODULE = "jdk.incubator.vector";
    private static final String MARKER = "soundstorm4j.relaunched";

    private VectorApiRelaunch() {
    }

    /** True when the Vector API is missing, this is not already the child, and relaunching is allowed. */
    static boolean wanted() {
        return ModuleLayer.boot().findModule(MODULE).isEmpty()
                && System.getProperty(MARKER) == null
                && System.getenv("SOUNDSTORM4J_NO_RELAUNCH") == null
                && jarPath() != null;
    }

    /** Runs the same command in a child JVM with the Vector API and returns its exit code. */
    static int run(String[] args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules");
        command.add(MODULE);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        command.add("-D" + MARKER + "=true");
        // the settings a user may have given with -D on the first JVM's command line
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("soundstorm4j.") || key.startsWith("org.lwjgl.")) {
                command.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        command.add("-cp");
        command.add(jarPath().toString());
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            return child.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM with the Vector API (" + command.getFirst()
                    + "); set SOUNDSTORM4J_NO_RELAUNCH=1 to run on the scalar fallback", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** The jar this class was loaded from, or null when running from a class directory. */
    private static Path jarPath() {
        try {
            var source = Main.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
