package org.soundstorm4j.engine;

import java.time.Instant;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.Utterance;

/**
 * One utterance to generate.
 *
 * @param utterance the semantic tokens and optional prompt
 * @param config    how to decode (its seed included: the same request gives the same tokens, alone or batched)
 * @param deadline  when the result stops being wanted, or null: a request still queued or generating then
 *                  fails with {@link DeadlineExceededException} at the next pass boundary
 * @param listener  receives progress and each finished window, on the engine's thread; never null
 */
public record GenerationRequest(Utterance utterance, GenerationConfig config, Instant deadline,
                                GenerationListener listener) {

    public GenerationRequest {
        if (utterance == null || config == null || listener == null) {
            throw new IllegalArgumentException("a request needs an utterance, a config and a listener "
                    + "(GenerationListener.NONE for none)");
        }
    }

    public static GenerationRequest of(Utterance utterance, GenerationConfig config) {
        return new GenerationRequest(utterance, config, null, GenerationListener.NONE);
    }

    public GenerationRequest withDeadline(Instant at) {
        return new GenerationRequest(utterance, config, at, listener);
    }

    public GenerationRequest withListener(GenerationListener l) {
        return new GenerationRequest(utterance, config, deadline, l);
    }
}
