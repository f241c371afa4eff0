package org.soundstorm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.io.Npy;

/** The commands' id and token inputs, read per utterance (row) from .npy or text files. */
final class InputFiles {
    private InputFiles() {
    }

    /** Ids per utterance from an .npy ([n] or [batch, n]) or a text file (one utterance). */
    static List<int[]> ids(Path file, String option) {
        if (file.toString().endsWith(".npy")) {
            IntArray a = Npy.readInts(file);
            if (a.rank() == 1) {
                return List.of(a.data());
            }
            if (a.rank() != 2) {
                throw new IllegalArgumentException(option + " " + file + ": expected [n] or [batch, n], got "
                        + Arrays.toString(a.shape()));
            }
            List<int[]> rows = new ArrayList<>();
            for (int b = 0; b < a.dim(0); b++) {
                rows.add(a.slice(b).toVector());
            }
            return rows;
        }
        String text;
        try {
            text = Files.readString(file).strip();
        } catch (IOException e) {
            throw IoErrors.cannotRead(option + " " + file, e);
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(option + " " + file + " holds no ids");
        }
        String[] words = text.split("\\s+");
        int[] ids = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            try {
                ids[i] = Integer.parseInt(words[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " " + file + ": word " + i + " ('" + words[i]
                        + "') is not an integer id");
            }
        }
        return List.of(ids);
    }

    /** Tokens per utterance {@code [frames][levels]} from an .npy ([frames, L] or [batch, frames, L]). */
    static List<int[][]> frames(Path file, String option) {
        IntArray a = Npy.readInts(file);
        if (a.rank() != 2 && a.rank() != 3) {
            throw new IllegalArgumentException(option + " " + file + ": expected [frames, L] or [batch, frames, L], "
                    + "got " + Arrays.toString(a.shape()));
        }
        if (a.rank() == 2) {
            return List.<int[][]>of(a.toMatrix());
        }
        List<int[][]> prompts = new ArrayList<>();
        for (int b = 0; b < a.dim(0); b++) {
            prompts.add(a.slice(b).toMatrix());
        }
        return prompts;
    }
}
