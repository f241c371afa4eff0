package org.soundstorm4j;

import java.io.Serializable;

/**
 * How {@link SoundStorm#generate} decodes (docs/ARCHITECTURE.md, "Decoding").
 *
 * @param steps              iterations per level
 * @param temperature        t0: token temperature of a level's first iteration, annealed as
 *                           {@code t0 * (1 - i/S)}; the iteration that leaves a level with
 *                           nothing masked (its last, or an earlier one for an utterance with
 *                           fewer frames than iterations) is greedy
 * @param topK               sample only among the k largest logits; 0 = all
 * @param choiceTemperature  c0: scale of the Gumbel noise on confidences, annealed as
 *                           {@code c0 * (1 - (i+1)/S)} (MaskGIT's choice temperature)
 * @param seed               key of the random draws: same seed and inputs, same tokens
 * @param windowFrames       frames per forward pass, prompt included: longer inputs are
 *                           generated window by window (long-form generation)
 * @param windowPromptFrames frames of the previous window's output that prompt the next window
 */
public record GenerationConfig(StepPlan steps, float temperature, int topK, float choiceTemperature, long seed,
                               int windowFrames, int windowPromptFrames) implements Serializable {

    /** MaskGIT's choice temperature. */
    public static final float DEFAULT_CHOICE_TEMPERATURE = 4.5f;
    /** 30 s at the codec's 50 Hz: the paper's window. */
    public static final int DEFAULT_WINDOW_FRAMES = 1500;
    /** 3 s at 50 Hz: the paper's prompt length. */
    public static final int DEFAULT_WINDOW_PROMPT_FRAMES = 150;

    public GenerationConfig {
        if (steps == null) {
            throw new IllegalArgumentException("steps is required");
        }
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        }
        if (!(choiceTemperature >= 0) || !Float.isFinite(choiceTemperature)) {
            throw new IllegalArgumentException("choiceTemperature must be >= 0, got " + choiceTemperature);
        }
        if (windowFrames < 2) {
            throw new IllegalArgumentException("windowFrames must be >= 2, got " + windowFrames);
        }
        if (windowPromptFrames < 0 || windowPromptFrames >= windowFrames) {
            throw new IllegalArgumentException("windowPromptFrames must be in [0, windowFrames), got "
                    + windowPromptFrames + " with windowFrames " + windowFrames);
        }
    }

    /** The paper's decoding: 16 iterations on the first level, 1 on each finer level (27 passes at Q = 12). */
    public static GenerationConfig paper() {
        return new GenerationConfig(StepPlan.firstThenRest(16, 1), 1f, 0, DEFAULT_CHOICE_TEMPERATURE, 0L,
                DEFAULT_WINDOW_FRAMES, DEFAULT_WINDOW_PROMPT_FRAMES);
    }

    /** One greedy pass per level: the fastest, Q passes in all. */
    public static GenerationConfig fast() {
        return paper().withSteps(StepPlan.firstThenRest(1, 1));
    }

    /**
     * The preset called {@code name}: "paper" ({@link #paper()}) or "fast" ({@link #fast()}).
     *
     * @throws IllegalArgumentException naming the accepted presets
     */
    public static GenerationConfig preset(String name) {
        return switch (name == null ? "" : name) {
            case "paper" -> paper();
            case "fast" -> fast();
            default -> throw new IllegalArgumentException("preset must be paper or fast, not '" + name + "'");
        };
    }

    public GenerationConfig withSteps(StepPlan s) {
        return new GenerationConfig(s, temperature, topK, choiceTemperature, seed, windowFrames, windowPromptFrames);
    }

    public GenerationConfig withTemperature(float t) {
        return new GenerationConfig(steps, t, topK, choiceTemperature, seed, windowFrames, windowPromptFrames);
    }

    public GenerationConfig withTopK(int k) {
        return new GenerationConfig(steps, temperature, k, choiceTemperature, seed, windowFrames, windowPromptFrames);
    }

    public GenerationConfig withChoiceTemperature(float c) {
        return new GenerationConfig(steps, temperature, topK, c, seed, windowFrames, windowPromptFrames);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(steps, temperature, topK, choiceTemperature, s, windowFrames, windowPromptFrames);
    }

    public GenerationConfig withWindow(int frames, int promptFrames) {
        return new GenerationConfig(steps, temperature, topK, choiceTemperature, seed, frames, promptFrames);
    }
}
