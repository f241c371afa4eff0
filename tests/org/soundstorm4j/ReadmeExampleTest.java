package org.soundstorm4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example compiles exactly as written and runs on the bundled model. */
class ReadmeExampleTest {
    /** The README's one fenced Java block that declares a class: the complete example program. */
    private static final Pattern PROGRAM = Pattern.compile("```java\\n([^`]*?public class (\\w+)[^`]*)```");

    @Test
    void theLibraryExampleCompilesAndGenerates(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = PROGRAM.matcher(readme);
        assertTrue(m.find(), "README.md has no fenced java block declaring a public class");
        String source = m.group(1);
        String className = m.group(2);
        assertFalse(m.find(), "README.md has a second complete java program; this test checks one");

        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        // only the library's own classes: the example must need no other dependency
        int rc = javac.run(null, diagnostics, diagnostics, "-d", dir.toString(), "-cp", "target/classes",
                "-Xlint:all", "-Werror", file.toString());
        assertEquals(0, rc, "the README's example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        String printed = runMain(dir, className);
        assertEquals("100 frames of 4 levels", printed.strip());
    }

    private static String runMain(Path classes, String className) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass(className).getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            System.setOut(stdout);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noDocumentPointsToADesignFileOutsideTheRepository() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Stream.of("README.md", "docs", "java", "weights", "bench", "kernels")
                .map(Path::of).flatMap(ReadmeExampleTest::walk)) {
            files = walk.filter(f -> f.toString().matches(".*\\.(md|java|py|sh|clh|cu|h)$")).toList();
        }
        assertTrue(files.size() > 50, "found only " + files.size() + " files to check");
        for (Path f : files) {
            String text = Files.readString(f);
            assertFalse(text.contains("DESIGN.md") || text.contains("shared/"), f + " points outside the repository");
        }
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
