package org.soundstorm4j.io;

/**
 * Releasing what an operation took when it fails. A constructor or loader that acquires
 * resources catches {@code Throwable} (an Error such as OutOfMemoryError or StackOverflowError
 * must not leave threads or file mappings behind any more than an exception may), closes what
 * it holds with {@link #closeAfterFailure} and rethrows the failure.
 */
public final class Cleanup {
    private Cleanup() {
    }

    /**
     * Closes each non-null resource in order, every one even if an earlier close fails; a close
     * failure is added to {@code failure} as suppressed, so the original failure stays the one thrown.
     */
    public static void closeAfterFailure(Throwable failure, AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Throwable closing) {
                failure.addSuppressed(closing);
            }
        }
    }
}
