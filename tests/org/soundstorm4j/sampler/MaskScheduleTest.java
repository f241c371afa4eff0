package org.soundstorm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MaskScheduleTest {

    /** Runs a level through the schedule and returns how many positions each iteration fixes. */
    private static int[] fixedPerIteration(int n, int steps) {
        int[] fixed = new int[steps];
        int remaining = n;
        for (int i = 0; i < steps; i++) {
            int stay = MaskSchedule.stayMasked(n, steps, i, remaining);
            fixed[i] = remaining - stay;
            remaining = stay;
        }
        assertEquals(0, remaining, "none masked after the last iteration");
        return fixed;
    }

    @ParameterizedTest(name = "N {0}, S {1}")
    @CsvSource({"1,16", "5,16", "15,16", "16,16", "17,16", "1000,16", "1500,16", "7,1", "250,3", "2,3", "1,1"})
    void everyIterationFixesAtLeastOneUntilNoneAreLeft(int n, int steps) {
        int[] fixed = fixedPerIteration(n, steps);
        int total = 0;
        boolean finished = false;
        for (int f : fixed) {
            if (finished) {
                assertEquals(0, f, "nothing left to fix");
            } else {
                assertTrue(f >= 1, "at least one fixed per iteration while any is masked");
            }
            total += f;
            finished = total == n;
        }
        assertEquals(n, total);
    }

    @Test
    void followsTheCosineFormula() {
        int n = 1000;
        int steps = 16;
        int remaining = n;
        for (int i = 0; i < steps - 1; i++) {
            int expected = Math.min((int) Math.floor(n * Math.cos(Math.PI / 2 * (i + 1) / steps)), remaining - 1);
            int stay = MaskSchedule.stayMasked(n, steps, i, remaining);
            assertEquals(expected, stay, "iteration " + i);
            remaining = stay;
        }
        assertEquals(0, MaskSchedule.stayMasked(n, steps, steps - 1, remaining));
        // first iteration: floor(1000 cos(pi/32)) = floor(995.18) = 995 stay masked, 5 fixed
        assertEquals(995, MaskSchedule.stayMasked(n, steps, 0, n));
    }

    @Test
    void boundaryWhereTheCosineIsExactlyOneHalf() {
        // S = 3, i = 1: cos(pi/3) = 1/2 exactly in real numbers, so N = 2 keeps exactly 1
        assertEquals(1, MaskSchedule.stayMasked(2, 3, 1, 2));
        assertEquals(125, MaskSchedule.stayMasked(250, 3, 1, 250));
    }

    @Test
    void fewerPositionsThanIterationsFixOnePerIterationAndEndEarly() {
        int[] fixed = fixedPerIteration(5, 16);
        assertEquals("[1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(fixed));
        assertEquals(5, MaskSchedule.iterationsNeeded(new int[] {5, 3}, 16));
        assertEquals(1, MaskSchedule.iterationsNeeded(new int[] {1}, 16));
        assertEquals(16, MaskSchedule.iterationsNeeded(new int[] {2, 500}, 16));
        assertEquals(0, MaskSchedule.iterationsNeeded(new int[] {0}, 4));
    }

    @Test
    void temperatureAndChoiceNoiseAnneal() {
        assertEquals(2f, MaskSchedule.temperature(2f, 0, 4));
        assertEquals(1f, MaskSchedule.temperature(2f, 2, 4));
        assertEquals(4.5f * 3 / 4, MaskSchedule.choiceNoise(4.5f, 0, 4), 1e-6);
        assertEquals(0f, MaskSchedule.choiceNoise(4.5f, 3, 4));
    }

    @Test
    void rejectsImpossibleQueries() {
        assertThrows(IllegalArgumentException.class, () -> MaskSchedule.stayMasked(5, 0, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> MaskSchedule.stayMasked(5, 4, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> MaskSchedule.stayMasked(5, 4, 0, 6));
    }
}
