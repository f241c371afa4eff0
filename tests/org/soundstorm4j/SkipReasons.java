package org.soundstorm4j;

import java.io.PrintStream;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints "SKIPPED Class#method: reason" for every test that an assumption aborted or a condition
 * disabled. Surefire's console only counts skipped tests, and a hardware test that quietly skips
 * (no GPU, no OpenCL device) looks the same as one that passed; the reason belongs in the log of
 * {@code mvn verify}. Registered for every test class through
 * META-INF/services/org.junit.jupiter.api.extension.Extension, which junit-platform.properties
 * turns on. A whole class skipped in {@code @BeforeAll} is not seen here (the hardware tests
 * assume in {@code @BeforeEach}, see DESIGN.md section 9).
 */
public final class SkipReasons implements TestWatcher {
    private static final String ASSUMPTION_PREFIX = "Assumption failed: ";
    private final PrintStream out;

    public SkipReasons() {
        this(System.out);
    }

    SkipReasons(PrintStream out) {
        this.out = out;
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        print(context, reason.startsWith(ASSUMPTION_PREFIX) ? reason.substring(ASSUMPTION_PREFIX.length()) : reason);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        print(context, reason.orElse("disabled"));
    }

    private void print(ExtensionContext context, String reason) {
        String method = context.getTestMethod().map(java.lang.reflect.Method::getName).orElse("");
        // a parameterized test's invocations differ only in their display name, "[2] 4 levels"
        String test = context.getDisplayName().equals(method + "()") ? method : method + " " + context.getDisplayName();
        out.println("SKIPPED " + context.getRequiredTestClass().getSimpleName() + "#" + test + ": " + reason);
        out.flush();
    }
}
