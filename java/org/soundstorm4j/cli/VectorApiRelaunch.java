package org.soundstorm4j.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar soundstorm4j.jar} cannot put the incubating Vector API module in the boot layer
 * (a manifest has no Add-Modules attribute), and without it the CPU backend falls back to its
 * slower scalar kernels. So the command line re-runs itself once in a child JVM with
 * {@code --add-modules jdk.incubator.vector}, passing on its arguments, standard streams and
 * exit code. Set {@code SOUNDSTORM4J_NO_RELAUNCH=1} to stay on the scalar path instead.
 *
 * <p>The two JVMs stop together: a signal that ends the parent (SIGTERM, SIGINT, SIGHUP) ends
 * the child through the parent's shutdown hook, and a child whose parent is gone without one
 * (SIGKILL, a crash) exits by itself. Either way the child's shutdown removes the file it was
 * writing, so a stopped command leaves no output (see {@link org.soundstorm4j.io.AtomicFiles}).
 */
final class VectorApiRelaunch {
    static final String MODULE = "jdk.incubator.vector";
    private static final String MARKER = "soundstorm4j.relaunched";
    /** How long a stopping parent waits for the child's shutdown before killing it. */
    private static final long CHILD_STOP_SECONDS = 10;

    private VectorApiRelaunch() {
    }

    /** True when the Vector API is missing, this is not already the child, and relaunching is allowed. */
    static boolean wanted() {
        return ModuleLayer.boot().findModule(MODULE).isEmpty()
                && !isChild()
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
            // SIGTERM / SIGINT go on to the child, which decides how to stop (serve finishes its requests
            // and exits 0); this JVM then exits with the child's status instead of the signal's
            for (String name : List.of("TERM", "INT")) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> child.destroy());
            }
            // Without this, kill -TERM on this JVM would leave the child running to the end,
            // writing --out after the user stopped the command.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(child), "stop-child-jvm"));
            return child.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM with the Vector API (" + command.getFirst()
                    + "); set SOUNDSTORM4J_NO_RELAUNCH=1 to run on the scalar fallback", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** True in the child JVM that {@link #run} started. */
    static boolean isChild() {
        return System.getProperty(MARKER) != null;
    }

    /**
     * In the child: exits when the parent JVM is gone. A parent killed with SIGKILL runs no
     * shutdown hook, and the child would otherwise finish the work nobody waits for. The JDK
     * polls a process that is not its child, every 0.3 s at first and at most every 5 s.
     */
    static void exitWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            System.err.println("error: the launching JVM (pid " + parent.pid() + ") is gone; stopping");
            System.exit(1);
        }));
    }

    /** Asks the child to shut down (SIGTERM, so its shutdown hooks run), then kills it if it does not. */
    private static void stop(Process child) {
        if (!child.isAlive()) {
            return;
        }
        child.destroy();
        try {
            if (!child.waitFor(CHILD_STOP_SECONDS, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
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
