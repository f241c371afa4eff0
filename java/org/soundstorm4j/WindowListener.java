package org.soundstorm4j;

/**
 * Receives each finished long-form window's tokens as soon as they are final, on the generating
 * thread, in order per utterance (a short input is one window). The codec's streaming decoder
 * ({@code org.soundstorm4j.codec.CodecStream}) takes these windows and hands on audio through its
 * {@code AudioListener}.
 */
@FunctionalInterface
public interface WindowListener {
    /** Ignores windows. */
    WindowListener NONE = (utterance, frameOffset, tokens) -> { };

    /**
     * @param utterance   the utterance's index in the request
     * @param frameOffset index of the window's first frame in the utterance's output
     * @param tokens      the window's tokens {@code [frames][levels]} (the listener may keep them)
     */
    void onWindow(int utterance, int frameOffset, int[][] tokens);
}
