package org.soundstorm4j;

import java.nio.file.Path;
import java.util.List;
import org.soundstorm4j.backend.Backends;

/**
 * Run by {@link LibraryClasspathTest} in a JVM of its own, as a library user's application would
 * run: no JVM flags, and on a class path of the caller's choosing. Prints what it sees, one fact
 * per line, for the test to check.
 */
public final class LibraryOnlyMain {
    private LibraryOnlyMain() {
    }

    public static void main(String[] args) {
        for (String name : List.of("cuda", "opencl")) {
            try {
                Backends.create(name).close();
                System.out.println(name + ": created");
            } catch (IllegalStateException e) {
                System.out.println(name + ": " + e.getMessage());
            }
        }
        try (SoundStorm model = SoundStorm.load(Path.of("weights/demo"))) {
            AcousticTokens out = model.generate(Utterance.of(new int[] {1, 2, 3, 4, 5}), GenerationConfig.fast());
            System.out.println("auto: " + model.backendName() + ", " + out.frames(0) + " frames");
        }
    }
}
