package org.soundstorm4j.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Long-form generation: how one utterance's target frames split into windows of at most
 * {@code windowFrames} frames each. Window 0 is prompted by the utterance's own prompt (if any);
 * each later window by the last {@code windowPromptFrames} frames of everything before it (the
 * prompt and the output so far). The seams are the prompt's job, not a cross-fade.
 *
 * @param windows per window, {@code (promptFrames, targetFrames)}, targetFrames >= 1
 */
record WindowPlan(List<int[]> windows) {

    static WindowPlan of(int promptFrames, int targetFrames, int windowFrames, int windowPromptFrames) {
        if (promptFrames >= windowFrames) {
            throw new IllegalArgumentException("the prompt has " + promptFrames + " frames, which leaves no room in a "
                    + "window of " + windowFrames + " frames (GenerationConfig.windowFrames)");
        }
        List<int[]> windows = new ArrayList<>();
        int done = 0;
        int prompt = promptFrames;
        while (done < targetFrames) {
            int n = Math.min(targetFrames - done, windowFrames - prompt);
            windows.add(new int[] {prompt, n});
            done += n;
            prompt = Math.min(windowPromptFrames, promptFrames + done);
        }
        return new WindowPlan(List.copyOf(windows));
    }

    int count() {
        return windows.size();
    }

    int promptFrames(int window) {
        return windows.get(window)[0];
    }

    int targetFrames(int window) {
        return windows.get(window)[1];
    }
}
