package org.soundstorm4j;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Decoding iterations per RVQ level: either the paper's form (one count for the first level,
 * another for every finer level) or an explicit count per level.
 */
public record StepPlan(int firstLevel, int otherLevels, int[] perLevel) implements Serializable {

    public StepPlan {
        if (perLevel != null) {
            if (perLevel.length == 0) {
                throw new IllegalArgumentException("steps: the list is empty");
            }
            perLevel = perLevel.clone();
            for (int i = 0; i < perLevel.length; i++) {
                if (perLevel[i] < 1) {
                    throw new IllegalArgumentException("steps: level " + i + " has " + perLevel[i] + " iterations, needs >= 1");
                }
            }
        } else if (firstLevel < 1 || otherLevels < 1) {
            throw new IllegalArgumentException("steps: iterations per level must be >= 1, got " + firstLevel + " and "
                    + otherLevels);
        }
    }

    /** {@code first} iterations on level 0, {@code others} on every finer level. */
    public static StepPlan firstThenRest(int first, int others) {
        return new StepPlan(first, others, null);
    }

    /** Exactly these iterations per level; the list must have one entry per level of the model. */
    public static StepPlan explicit(int... perLevel) {
        return new StepPlan(0, 0, perLevel);
    }

    /** Iterations for each of {@code levels} levels; an explicit list must have exactly that many. */
    public int[] forLevels(int levels) {
        if (perLevel == null) {
            int[] s = new int[levels];
            Arrays.fill(s, otherLevels);
            s[0] = firstLevel;
            return s;
        }
        if (perLevel.length != levels) {
            throw new IllegalArgumentException("steps: " + perLevel.length + " entries given, the model has " + levels
                    + " levels");
        }
        return perLevel.clone();
    }

    @Override
    public int[] perLevel() {
        return perLevel == null ? null : perLevel.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepPlan p && p.firstLevel == firstLevel && p.otherLevels == otherLevels
                && Arrays.equals(p.perLevel, perLevel);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * firstLevel + otherLevels) + Arrays.hashCode(perLevel);
    }

    @Override
    public String toString() {
        return perLevel == null ? firstLevel + ",then " + otherLevels + " per level" : Arrays.toString(perLevel);
    }
}
