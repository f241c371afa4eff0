package org.soundstorm4j;

/** Receives a {@link Progress} after every forward pass, on the generating thread. */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores progress. */
    ProgressListener NONE = p -> { };

    void onPass(Progress progress);
}
