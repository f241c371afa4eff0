package org.soundstorm4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

class SkipReasonsTest {
    @Test
    void isRegisteredForEveryTestClass() throws Exception {
        assertTrue(ServiceLoader.load(Extension.class).stream().anyMatch(p -> p.type() == SkipReasons.class),
                "SkipReasons is not in META-INF/services/org.junit.jupiter.api.extension.Extension");
        Properties junit = new Properties();
        try (InputStream in = SkipReasonsTest.class.getResourceAsStream("/junit-platform.properties")) {
            assertTrue(in != null, "no junit-platform.properties on the test class path");
            junit.load(in);
        }
        assertEquals("true", junit.getProperty("junit.jupiter.extensions.autodetection.enabled"));
    }

    @Test
    void printsTheTestAndTheReason() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SkipReasons watcher = new SkipReasons(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        ExtensionContext context = contextOf(SkipReasonsTest.class.getDeclaredMethod("printsTheTestAndTheReason"));
        watcher.testAborted(context, new TestAbortedException("Assumption failed: CUDA tests skipped: no GPU"));
        watcher.testDisabled(context, Optional.of("not on Windows"));
        assertEquals("SKIPPED SkipReasonsTest#printsTheTestAndTheReason: CUDA tests skipped: no GPU\n"
                + "SKIPPED SkipReasonsTest#printsTheTestAndTheReason: not on Windows\n", bytes.toString(StandardCharsets.UTF_8));
    }

    /** An ExtensionContext that knows only its test class and method. */
    private static ExtensionContext contextOf(java.lang.reflect.Method method) {
        return (ExtensionContext) Proxy.newProxyInstance(ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getTestMethod" -> Optional.of(method);
                    case "getRequiredTestClass" -> method.getDeclaringClass();
                    case "getDisplayName" -> method.getName() + "()";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
