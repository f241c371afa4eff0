package org.soundstorm4j;

/**
 * One sequence to generate: its semantic tokens, and optionally an acoustic prompt (the semantic
 * and acoustic tokens of a short recording of the target voice, placed before it).
 *
 * @param semantic       semantic ids at the semantic rate (the codec frame rate divided by the
 *                       model's {@code semantic_rate_ratio}); not empty
 * @param promptSemantic the prompt's semantic ids, or null for no prompt
 * @param promptTokens   the prompt's acoustic ids {@code [frames][levels]}, frames =
 *                       {@code promptSemantic.length * semantic_rate_ratio}; or null
 */
public record Utterance(int[] semantic, int[] promptSemantic, int[][] promptTokens) {

    public Utterance {
        if (semantic == null || semantic.length == 0) {
            throw new IllegalArgumentException("semantic ids are empty");
        }
        if ((promptSemantic == null) != (promptTokens == null)) {
            throw new IllegalArgumentException("a prompt needs both its semantic ids and its acoustic tokens");
        }
        semantic = semantic.clone();
        if (promptSemantic != null) {
            if (promptSemantic.length == 0 || promptTokens.length == 0) {
                throw new IllegalArgumentException("the prompt is empty");
            }
            promptSemantic = promptSemantic.clone();
            int[][] copy = new int[promptTokens.length][];
            for (int i = 0; i < copy.length; i++) {
                if (promptTokens[i] == null) {
                    throw new IllegalArgumentException("prompt frame " + i + " is null");
                }
                copy[i] = promptTokens[i].clone();
            }
            promptTokens = copy;
        }
    }

    /** An utterance without a prompt. */
    public static Utterance of(int[] semantic) {
        return new Utterance(semantic, null, null);
    }

    /** The same utterance with an acoustic prompt. */
    public Utterance withPrompt(int[] promptSemantic, int[][] promptTokens) {
        return new Utterance(semantic, promptSemantic, promptTokens);
    }

    public boolean hasPrompt() {
        return promptSemantic != null;
    }

    @Override
    public int[] semantic() {
        return semantic.clone();
    }

    @Override
    public int[] promptSemantic() {
        return promptSemantic == null ? null : promptSemantic.clone();
    }

    @Override
    public int[][] promptTokens() {
        if (promptTokens == null) {
            return null;
        }
        int[][] copy = new int[promptTokens.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = promptTokens[i].clone();
        }
        return copy;
    }
}
