package org.soundstorm4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a user's application sees it: a JVM started without any of the project's flags,
 * with only the library's own classes (its optional dependencies absent), or with all of them on a
 * machine without CUDA and OpenCL. Either way the default backend works and JDK 25 prints no
 * restricted-method warning, because nothing native is loaded where nothing native is installed.
 */
class LibraryClasspathTest {
    private static final String RESTRICTED = "restricted method";

    @Test
    void runsOnTheCpuWithoutAnyOptionalDependency(@TempDir Path tmp) throws Exception {
        Run run = runMain(tmp, "target/classes" + File.pathSeparator + "target/test-classes", List.of());
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.stdout.contains("cuda: backend cuda is not available: JCuda is not on the class path"), run.toString());
        assertTrue(run.stdout.contains("opencl: backend opencl is not available: LWJGL's OpenCL binding is not on the class path"),
                run.toString());
        assertTrue(run.stdout.contains("auto: cpu, 5 frames"), run.toString());
        assertFalse(run.stderr.contains(RESTRICTED), run.toString());
        assertFalse(run.stderr.contains("Exception"), run.toString());
    }

    @Test
    void autoLoadsNoNativeCodeWhereNoCudaOrOpenClIsInstalled(@TempDir Path tmp) throws Exception {
        // the OpenCL library is pointed at a file that does not exist, as on a machine without OpenCL;
        // LD_LIBRARY_PATH is dropped for the child (a fake CUDA driver there is not an installed one)
        Run run = runMain(tmp, System.getProperty("java.class.path"),
                List.of("-Dorg.lwjgl.opencl.libname=" + tmp.resolve("no-libOpenCL.so")));
        assumeTrue(run.stdout.contains("cuda: backend cuda is not available: no NVIDIA driver"),
                "an NVIDIA driver is installed on this machine, so auto rightly loads native code: " + run);
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.stdout.contains("opencl: backend opencl is not available: no OpenCL library"), run.toString());
        assertTrue(run.stdout.contains("auto: cpu, 5 frames"), run.toString());
        assertFalse(run.stderr.contains(RESTRICTED), run.toString());
    }

    private record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private static Run runMain(Path tmp, String classPath, List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djava.io.tmpdir=" + tmp);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, LibraryOnlyMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().remove("LD_LIBRARY_PATH");
        Process process = pb.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the library-only JVM did not finish in 120 s");
        }
        return new Run(process.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }
}
