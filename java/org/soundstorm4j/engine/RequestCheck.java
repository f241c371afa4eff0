package org.soundstorm4j.engine;

import java.util.List;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.model.ModelConfig;

/** Validates a generation request against the model before any work, naming what is wrong. */
public final class RequestCheck {
    private RequestCheck() {
    }

    /** Checks every utterance of a batch, naming the first bad one by its index. */
    public static void check(ModelConfig c, List<Utterance> utterances) {
        if (utterances == null || utterances.isEmpty()) {
            throw new IllegalArgumentException("no utterances to generate");
        }
        for (int u = 0; u < utterances.size(); u++) {
            check(c, utterances.get(u), "utterance " + u + ": ");
        }
    }

    /**
     * Checks one utterance against the model.
     *
     * @param where prefixed to every message ("utterance 3: ", or "" for a lone request)
     * @throws IllegalArgumentException naming the field and the position
     */
    public static void check(ModelConfig c, Utterance utt, String where) {
        if (utt == null) {
            throw new IllegalArgumentException(where + "the utterance is null");
        }
        ids(where + "semantic id", utt.semantic(), c.numSemanticTokens());
        try {
            c.frames((long) utt.semantic().length + (utt.hasPrompt() ? utt.promptSemantic().length : 0));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "prompt and target: " + e.getMessage(), e);
        }
        if (!utt.hasPrompt()) {
            return;
        }
        int[] promptSemantic = utt.promptSemantic();
        int[][] promptTokens = utt.promptTokens();
        ids(where + "prompt semantic id", promptSemantic, c.numSemanticTokens());
        int expectedFrames = c.frames(promptSemantic.length);
        if (promptTokens.length != expectedFrames) {
            throw new IllegalArgumentException(where + "the prompt has " + promptTokens.length + " acoustic frames, its "
                    + promptSemantic.length + " semantic ids imply " + expectedFrames + " (semantic rate ratio "
                    + c.semanticRateRatio() + ")");
        }
        for (int t = 0; t < promptTokens.length; t++) {
            if (promptTokens[t].length != c.numQuantizers()) {
                throw new IllegalArgumentException(where + "prompt frame " + t + " has " + promptTokens[t].length
                        + " levels, the model has " + c.numQuantizers());
            }
            for (int q = 0; q < promptTokens[t].length; q++) {
                int id = promptTokens[t][q];
                if (id < 0 || id >= c.codebookSize()) {
                    throw new IllegalArgumentException(where + "prompt token " + id + " at [" + t + ", " + q
                            + "] out of range [0, " + c.codebookSize() + ")");
                }
            }
        }
    }

    private static void ids(String what, int[] ids, int vocabulary) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw new IllegalArgumentException(what + " " + ids[i] + " at " + i + " out of range [0, " + vocabulary + ")");
            }
        }
    }
}
