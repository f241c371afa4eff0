package org.soundstorm4j.sampler;

import java.util.Arrays;
import org.soundstorm4j.backend.RowStep;

/**
 * One sequence being decoded, on the host: a prompt (frames {@code [0, promptFrames)}, never
 * changed) followed by target frames that start as mask tokens at every level, and where the row
 * is in its own schedule (level, iteration, positions still masked at the level). Each row advances
 * by itself, one iteration per pass it takes part in, so rows at different levels and iterations
 * share passes ({@link LevelwiseSampler#pass}) and a row's tokens never depend on its neighbours.
 *
 * <p>While a row sits in the device buffers its {@link #tokens} may be behind the device's; the
 * sampler brings them back before the row leaves the buffers or finishes.
 */
public final class DecodeRow {
    final int frames;
    final int promptFrames;
    final int levels;
    /** {@code [frames, levels]}, decoded in place. */
    final int[] tokens;
    /** {@code [frames]} at the codec frame rate. */
    final int[] semantic;
    /** The random key's sequence field. */
    final int sequenceId;
    /** Output index of the first target frame (the draws' position = this + frame offset). */
    final int outputOffset;
    private final DecodeSettings settings;
    private final int targets;
    private int level;
    private int iteration;
    /** Target positions still masked at {@link #level}. */
    private int remaining;
    private int passesDone;

    /**
     * @param semanticFrames the row's semantic ids, prompt then target, at the codec frame rate
     * @param prompt         the prompt's tokens {@code [frames][levels]}, fewer frames than {@code semanticFrames}
     */
    public DecodeRow(int[] semanticFrames, int[][] prompt, int maskId, int sequenceId, int outputOffset,
                     DecodeSettings settings) {
        if (prompt.length >= semanticFrames.length) {
            throw new IllegalArgumentException("a row of " + semanticFrames.length + " frames with a prompt of "
                    + prompt.length + " has nothing to decode");
        }
        this.frames = semanticFrames.length;
        this.promptFrames = prompt.length;
        this.levels = settings.levels();
        this.semantic = semanticFrames.clone();
        this.tokens = new int[frames * levels];
        Arrays.fill(tokens, maskId);
        for (int t = 0; t < prompt.length; t++) {
            if (prompt[t].length != levels) {
                throw new IllegalArgumentException("prompt frame " + t + " has " + prompt[t].length + " levels, not "
                        + levels);
            }
            System.arraycopy(prompt[t], 0, tokens, t * levels, levels);
        }
        this.sequenceId = sequenceId;
        this.outputOffset = outputOffset;
        this.settings = settings;
        this.targets = frames - promptFrames;
        this.remaining = targets;
    }

    /** Frames of the row, prompt and target. */
    public int frames() {
        return frames;
    }

    /** Forward passes the whole row takes: per level, S_q or fewer when the row has fewer positions. */
    public int passesTotal() {
        return passes(targets, settings.stepsPerLevel());
    }

    /** Passes taken so far. */
    public int passesDone() {
        return passesDone;
    }

    /** Forward passes a row of {@code targetFrames} positions takes. */
    public static int passes(int targetFrames, int[] stepsPerLevel) {
        int total = 0;
        for (int s : stepsPerLevel) {
            total += MaskSchedule.iterationsNeeded(new int[] {targetFrames}, s);
        }
        return total;
    }

    /** The level the next pass decodes (the number of levels once finished). */
    public int level() {
        return level;
    }

    /** The iteration within {@link #level} the next pass runs. */
    public int iteration() {
        return iteration;
    }

    public boolean finished() {
        return level == levels;
    }

    /** The next pass's parameters for this row. */
    RowStep step() {
        if (finished()) {
            throw new IllegalStateException("the row is finished");
        }
        int steps = settings.steps(level);
        return new RowStep(level, iteration, 1f / MaskSchedule.temperature(settings.temperature(), iteration, steps),
                settings.topK(), MaskSchedule.choiceNoise(settings.choiceTemperature(), iteration, steps),
                settings.seed(), MaskSchedule.stayMasked(targets, steps, iteration, remaining));
    }

    /** Moves past the pass {@link #step} described: to the next iteration, or the next level. */
    void advance() {
        int steps = settings.steps(level);
        remaining = MaskSchedule.stayMasked(targets, steps, iteration, remaining);
        iteration++;
        passesDone++;
        if (remaining == 0) {
            level++;
            iteration = 0;
            remaining = targets;
        }
    }

    /** The target tokens {@code [frames][levels]}; complete once {@link #finished}. */
    public int[][] target() {
        int[][] out = new int[targets][levels];
        for (int t = 0; t < targets; t++) {
            System.arraycopy(tokens, (promptFrames + t) * levels, out[t], 0, levels);
        }
        return out;
    }
}
