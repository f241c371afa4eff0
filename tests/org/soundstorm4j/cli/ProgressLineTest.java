package org.soundstorm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.soundstorm4j.Progress;

class ProgressLineTest {
    private static final int[] PAPER = {16, 1, 1, 1};

    @Test
    void windowsLevelsAndIterationsAreAllNumberedFromZero() {
        // the first pass of all: window 0, level 0, iteration 0
        assertEquals("[                              ] 1/57 passes, window 0 of 3, level 0 of 4, iteration 0 of 16, "
                + "0.5 s elapsed, ETA 28.0 s", ProgressLine.format(new Progress(0, 3, 0, 0, 1, 57), PAPER, 0.5));
        // the last pass of all: window 2 of 3, level 3 of 4, iteration 0 of 1; nothing left to estimate
        assertEquals("[##############################] 57/57 passes, window 2 of 3, level 3 of 4, iteration 0 of 1, "
                + "1 min 05 s elapsed", ProgressLine.format(new Progress(2, 3, 3, 0, 57, 57), PAPER, 65));
    }

    @Test
    void oneWindowIsNotMentionedAndTheEtaIsTheMeanPassTimesThePassesLeft() {
        assertEquals("[###############               ] 10/20 passes, level 0 of 4, iteration 9 of 16, 4.0 s elapsed, "
                + "ETA 4.0 s", ProgressLine.format(new Progress(0, 1, 0, 9, 10, 20), new int[] {16, 2, 1, 1}, 4));
    }

    @Test
    void durations() {
        assertEquals("59.9 s", ProgressLine.duration(59.94));
        assertEquals("3 min 05 s", ProgressLine.duration(185));
        assertEquals("1 h 02 min", ProgressLine.duration(3720));
    }
}
