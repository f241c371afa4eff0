package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CodecInputTest {
    @Test
    void levelZeroGoesFirstAndTokensFollowLevelMajor() {
        int[][] row0 = {{11, 12}, {21, 22}, {31, 32}};
        int[][] row1 = {{41, 42}};
        int[][][] codes = CodecInput.stack(List.of(new int[] {1, 2, 3}, new int[] {4}), List.of(row0, row1));
        assertArrayEquals(new int[][] {{1, 2, 3}, {4}}, codes[0]);
        assertArrayEquals(new int[][] {{11, 21, 31}, {41}}, codes[1]);
        assertArrayEquals(new int[][] {{12, 22, 32}, {42}}, codes[2]);
        int[][][] acousticOnly = CodecInput.stack(null, List.<int[][]>of(row0));
        assertArrayEquals(new int[][] {{11, 21, 31}}, acousticOnly[0]);
        assertArrayEquals(new int[][] {{12, 22, 32}}, acousticOnly[1]);
    }

    @Test
    void rowsThatDoNotLineUpAreNamed() {
        IllegalArgumentException frames = assertThrows(IllegalArgumentException.class,
                () -> CodecInput.stack(List.of(new int[] {1, 2}), List.<int[][]>of(new int[][] {{1}, {2}, {3}})));
        assertTrue(frames.getMessage().contains("row 0: 2 level-0 ids for 3 frames"), frames.getMessage());
        IllegalArgumentException levels = assertThrows(IllegalArgumentException.class,
                () -> CodecInput.stack(null, List.<int[][]>of(new int[][] {{1, 2}, {3}})));
        assertTrue(levels.getMessage().contains("row 0 frame 1 has 1 levels"), levels.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodecInput.stack(null, List.of()));
    }
}
