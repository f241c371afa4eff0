package org.soundstorm4j.engine;

import java.time.Duration;

/**
 * A finished request.
 *
 * @param tokens     generated tokens {@code [frames][levels]}, the prompt excluded
 * @param passes     forward passes the request took part in
 * @param queued     from submission to its first pass
 * @param generating from its first pass to its last
 */
public record Generation(int[][] tokens, int passes, Duration queued, Duration generating) {

    public int frames() {
        return tokens.length;
    }
}
