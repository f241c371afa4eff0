package org.soundstorm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IntArrayTest {
    /** [2, 3, 2] holding 0..11, so every element says where it is. */
    private static final IntArray CUBE = new IntArray(new int[] {2, 3, 2}, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

    @Test
    void slicesDimensionZeroInCOrder() {
        IntArray second = CUBE.slice(1);
        assertArrayEquals(new int[] {3, 2}, second.shape());
        assertArrayEquals(new int[][] {{6, 7}, {8, 9}, {10, 11}}, second.toMatrix());
        assertArrayEquals(new int[] {8, 9}, second.slice(1).toVector());
    }

    @Test
    void copiesSoThatCallersCannotChangeTheArray() {
        int[] row = CUBE.slice(0).slice(0).toVector();
        row[0] = 99;
        assertEquals(0, CUBE.data()[0]);
    }

    @Test
    void refusesTheWrongRankOrIndexNamingIt() {
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, CUBE::toMatrix);
        assertTrue(rank.getMessage().contains("[2, 3, 2]"), rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CUBE.slice(0).toVector());
        IndexOutOfBoundsException index = assertThrows(IndexOutOfBoundsException.class, () -> CUBE.slice(2));
        assertTrue(index.getMessage().contains("slice 2"), index.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new IntArray(new int[] {}, new int[] {5}).slice(0));
    }
}
