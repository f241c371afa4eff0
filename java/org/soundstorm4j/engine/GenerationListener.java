package org.soundstorm4j.engine;

import org.soundstorm4j.Progress;

/**
 * Receives a request's progress and its finished windows, on the engine's scheduler thread, in order.
 * Every pass of every request waits for it, so it must be quick: hand slow work (a socket, a codec) to
 * another thread. An exception thrown here fails that request alone.
 */
public interface GenerationListener {
    /** Ignores everything. */
    GenerationListener NONE = new GenerationListener() { };

    /** After each forward pass the request took part in. */
    default void onPass(Progress progress) {
    }

    /**
     * A long-form window is final (a short input is one window).
     *
     * @param frameOffset index of the window's first frame in the output
     * @param tokens      the window's tokens {@code [frames][levels]} (the listener may keep them)
     */
    default void onWindow(int frameOffset, int[][] tokens) {
    }
}
