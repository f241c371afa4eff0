package org.soundstorm4j;

/**
 * Where a generation is, reported after each forward pass.
 *
 * @param window      0-based window of a long-form generation (0 for a single window)
 * @param windows     windows in all
 * @param level       RVQ level being decoded, 0-based
 * @param iteration   iteration within that level, 0-based
 * @param passesDone  forward passes finished so far, over all windows; for a batch of utterances,
 *                    each utterance's passes summed (they share forward passes, so fewer run)
 * @param passesTotal the same count for the whole generation, known from the lengths up front
 */
public record Progress(int window, int windows, int level, int iteration, int passesDone, int passesTotal) {
}
