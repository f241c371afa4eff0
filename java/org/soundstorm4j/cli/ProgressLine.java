package org.soundstorm4j.cli;

import java.util.Locale;
import org.soundstorm4j.Progress;

/**
 * A generation's progress as one line: passes done, where it is, the time so far and an estimate
 * of the time left. Windows, levels and iterations are numbered from 0, as everywhere in the
 * command line's output and options ({@code --level}), and shown with their count: "level 3 of 4"
 * is the last of four levels.
 */
final class ProgressLine {
    private static final int BAR_WIDTH = 30;

    private ProgressLine() {
    }

    /**
     * @param iterations     decoding iterations per level, one entry per level
     * @param elapsedSeconds time since the generation started
     */
    static String format(Progress p, int[] iterations, double elapsedSeconds) {
        int filled = BAR_WIDTH * p.passesDone() / Math.max(1, p.passesTotal());
        StringBuilder line = new StringBuilder()
                .append('[').append("#".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append("] ")
                .append(p.passesDone()).append('/').append(p.passesTotal()).append(" passes, ");
        if (p.windows() > 1) {
            line.append("window ").append(p.window()).append(" of ").append(p.windows()).append(", ");
        }
        line.append("level ").append(p.level()).append(" of ").append(iterations.length)
                .append(", iteration ").append(p.iteration()).append(" of ").append(iterations[p.level()])
                .append(", ").append(duration(elapsedSeconds)).append(" elapsed");
        if (p.passesDone() > 0 && p.passesDone() < p.passesTotal()) {
            // Passes cost about the same (every pass of a window runs on all its frames; only a
            // last, shorter window is cheaper), so the mean so far predicts the rest.
            double left = elapsedSeconds / p.passesDone() * (p.passesTotal() - p.passesDone());
            line.append(", ETA ").append(duration(left));
        }
        return line.toString();
    }

    /** "4.2 s", "3 min 05 s", "1 h 02 min". */
    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
    }
}
