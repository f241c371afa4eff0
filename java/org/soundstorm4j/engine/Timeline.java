package org.soundstorm4j.engine;

import java.util.Arrays;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.sampler.DecodeRow;
import org.soundstorm4j.sampler.DecodeSettings;

/**
 * One utterance during generation, at the codec frame rate: its prompt followed by its target
 * frames, the tokens known so far, and the windows it is decoded in.
 */
final class Timeline {
    /** Semantic ids of every frame, prompt then target (upsampled by the semantic rate ratio). */
    private final int[] semantic;
    /** Tokens {@code [frames][levels]} known so far: the prompt's, then the decoded windows'. */
    private final int[][] tokens;
    private final int promptFrames;
    private final WindowPlan plan;
    private int produced;

    Timeline(Utterance utterance, int ratio, GenerationConfig config) {
        int[] promptSemantic = utterance.hasPrompt() ? utterance.promptSemantic() : new int[0];
        int[] target = utterance.semantic();
        int[] ids = Arrays.copyOf(promptSemantic, promptSemantic.length + target.length);
        System.arraycopy(target, 0, ids, promptSemantic.length, target.length);
        semantic = new int[ModelConfig.frames(ids.length, ratio)];
        for (int i = 0; i < semantic.length; i++) {
            semantic[i] = ids[i / ratio];
        }
        promptFrames = ModelConfig.frames(promptSemantic.length, ratio);
        tokens = new int[semantic.length][];
        if (utterance.hasPrompt()) {
            System.arraycopy(utterance.promptTokens(), 0, tokens, 0, promptFrames);
        }
        plan = WindowPlan.of(promptFrames, ModelConfig.frames(target.length, ratio), config.windowFrames(), config.windowPromptFrames());
    }

    int windows() {
        return plan.count();
    }

    /** Frames of window {@code w} (its prompt and target). */
    int windowFrames(int w) {
        return plan.promptFrames(w) + plan.targetFrames(w);
    }

    int targetFrames(int w) {
        return plan.targetFrames(w);
    }

    /**
     * Window {@code w} (the next one to decode) as a row. The key's sequence field is 0 for every
     * row: an utterance's tokens depend on its inputs, the config and the seed only, not on where it
     * sits in a batch (so batching stays exact).
     */
    DecodeRow row(int w, int maskId, DecodeSettings settings) {
        int start = promptFrames + produced;
        int prompt = plan.promptFrames(w);
        return new DecodeRow(Arrays.copyOfRange(semantic, start - prompt, start + plan.targetFrames(w)),
                Arrays.copyOfRange(tokens, start - prompt, start), maskId, 0, produced, settings);
    }

    /** Target frames decoded so far: the next window's first frame in the output. */
    int produced() {
        return produced;
    }

    /** Takes the decoded target frames of the window just filled. */
    void accept(int[][] decoded) {
        System.arraycopy(decoded, 0, tokens, promptFrames + produced, decoded.length);
        produced += decoded.length;
    }

    /** The generated tokens {@code [frames][levels]}, prompt excluded. */
    int[][] output() {
        return Arrays.copyOfRange(tokens, promptFrames, tokens.length);
    }
}
