package org.soundstorm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;
import org.soundstorm4j.backend.cpu.CpuBackend;

/**
 * The decoding loop against a scripted forward pass whose logits are chosen per pass, so the
 * tokens reveal at which pass each position was committed.
 */
class LevelwiseSamplerTest {
    private static final int LEVELS = 3;
    private static final int CODEBOOK = 40;
    private static final int MASK = CODEBOOK;

    /** Logits of one position at one pass. */
    interface Script {
        void fill(int pass, int row, int frame, int level, float[] logits, int off);
    }

    private static final CpuBackend BACKEND = new CpuBackend(2);

    /** A forward pass that follows a script and checks the invariants of the input it is given. */
    private static final class ScriptedModel implements DeviceForward {
        final Script script;
        final int[][][] prompts;
        int passes;
        final List<int[]> levelsSeen = new ArrayList<>();
        /** Every row's tokens before each pass, {@code [pass][row][frames * levels]}. */
        final List<int[][]> snapshots = new ArrayList<>();
        /** Each pass's rows, and their (level, iteration) before it. */
        final List<List<DecodeRow>> groups = new ArrayList<>();
        final List<List<int[]>> stepsBefore = new ArrayList<>();
        List<DecodeRow> rows = List.of();
        List<DecodeRow> group = List.of();

        ScriptedModel(Script script, int[][][] prompts) {
            this.script = script;
            this.prompts = prompts;
        }

        @Override
        public Tensor logits(IntTensor tokensOnDevice, IntTensor semanticOnDevice, IntTensor lengthsOnDevice, int batch,
                             int frames, RowSteps steps, int[] levels) {
            int[] tokens = new int[batch * frames * LEVELS];
            BACKEND.readInts(tokensOnDevice, tokens);
            int[] lengths = new int[batch];
            BACKEND.readInts(lengthsOnDevice, lengths);
            int[] stepTable = new int[batch * RowSteps.INTS];
            BACKEND.readInts(steps.ints(), stepTable);
            snapshots.add(snapshot(tokens, frames));
            for (int b = 0; b < batch; b++) {
                int level = stepTable[b * RowSteps.INTS + RowSteps.LEVEL];
                int prompt = group.get(b).promptFrames;
                for (int f = 0; f < lengths[b]; f++) {
                    for (int q = 0; q < LEVELS; q++) {
                        int id = tokens[(b * frames + f) * LEVELS + q];
                        if (f < prompt) {
                            assertEquals(prompts[group.get(b).sequenceId][f][q], id,
                                    "prompt token changed at row " + b + " frame " + f);
                        } else if (q < level) {
                            assertNotEquals(MASK, id, "coarser level still masked");
                        } else if (q > level) {
                            assertEquals(MASK, id, "finer level touched before its turn");
                        }
                    }
                }
            }
            float[] out = new float[batch * frames * CODEBOOK];
            for (int b = 0; b < batch; b++) {
                int level = stepTable[b * RowSteps.INTS + RowSteps.LEVEL];
                for (int f = 0; f < frames; f++) {
                    script.fill(passes, group.get(b).sequenceId, f, level, out, (b * frames + f) * CODEBOOK);
                }
            }
            passes++;
            levelsSeen.add(levels.clone());
            return BACKEND.upload(out);
        }

        /**
         * Every row's tokens as they stand before this pass: a row of the pass from the device, any
         * other from its host copy (the sampler brought it back when it left the device or finished).
         */
        private int[][] snapshot(int[] device, int frames) {
            int[][] all = new int[rows.size()][];
            for (int r = 0; r < rows.size(); r++) {
                DecodeRow row = rows.get(r);
                int b = group.indexOf(row);
                all[r] = b < 0 ? row.tokens.clone()
                        : java.util.Arrays.copyOfRange(device, b * frames * LEVELS, (b * frames + row.frames) * LEVELS);
            }
            return all;
        }
    }

    /**
     * Decodes every row to the end, each pass over the rows not finished yet (so rows that finish
     * early leave the group and the others move on without them); records each pass's rows and their
     * (level, iteration).
     */
    private static void decode(ScriptedModel model, List<DecodeRow> rows) {
        model.rows = rows;
        LevelwiseSampler sampler = new LevelwiseSampler(BACKEND, model, CODEBOOK, LEVELS);
        while (rows.stream().anyMatch(r -> !r.finished())) {
            List<DecodeRow> group = rows.stream().filter(r -> !r.finished()).toList();
            model.group = group;
            model.groups.add(group);
            model.stepsBefore.add(group.stream().map(r -> new int[] {r.level(), r.iteration()}).toList());
            sampler.pass(group, group.stream().mapToInt(DecodeRow::frames).max().orElseThrow());
        }
        sampler.release();
    }

    private static int[][] prompt(int frames, int seed) {
        int[][] p = new int[frames][LEVELS];
        for (int f = 0; f < frames; f++) {
            for (int q = 0; q < LEVELS; q++) {
                p[f][q] = (seed + 7 * f + 3 * q) % CODEBOOK;
            }
        }
        return p;
    }

    /** Row b: prompts[b], then targets[b] frames; its key's sequence field is b. */
    private static List<DecodeRow> rows(int[][][] prompts, int[] targets, int[] steps, float t0, int topK, float c0,
                                        long seed) {
        List<DecodeRow> rows = new ArrayList<>();
        for (int b = 0; b < targets.length; b++) {
            rows.add(new DecodeRow(new int[prompts[b].length + targets[b]], prompts[b], MASK, b, 0,
                    new DecodeSettings(steps, t0, topK, c0, seed)));
        }
        return rows;
    }

    /** Which pass commits each target position of a row, from the schedule and a confidence order. */
    private static int[] expectedCommitPass(int n, int steps, int firstPass, int[] leastConfidentFirst) {
        int[] pass = new int[n];
        int remaining = n;
        for (int i = 0; i < steps && remaining > 0; i++) {
            int stay = MaskSchedule.stayMasked(n, steps, i, remaining);
            for (int k = stay; k < remaining; k++) {
                pass[leastConfidentFirst[k]] = firstPass + i;
            }
            remaining = stay;
        }
        return pass;
    }

    @Test
    void commitsTheMostConfidentByTheScheduleAndNeverTouchesCommittedOrPromptTokens() {
        int[][][] prompts = {prompt(3, 1), prompt(0, 0), prompt(2, 5)};
        int[] targets = {20, 9, 6};
        int[] steps = {4, 2, 1};
        // the pass number is the dominant token, so a token tells at which pass it was drawn;
        // row 0: later frames more confident; row 1: earlier frames; row 2: all equal (ties)
        Script script = (pass, row, frame, level, logits, off) -> {
            float margin = switch (row) {
                case 0 -> 5 + 0.1f * frame;
                case 1 -> 8 - 0.1f * frame;
                default -> 6;
            };
            logits[off + pass % CODEBOOK] = margin;
        };
        ScriptedModel model = new ScriptedModel(script, prompts);
        // temperature 0.01 makes the sampled iterations pick the dominant token; no choice noise
        List<DecodeRow> rows = rows(prompts, targets, steps, 0.01f, 0, 0f, 7L);
        decode(model, rows);

        // every row has at least S_q positions, so all rows move through the levels together
        assertEquals(7, model.passes);
        assertEquals(List.of(0, 0, 0, 0, 1, 1, 2),
                model.levelsSeen.stream().map(l -> { assertEquals(1, l.length); return l[0]; }).toList());
        int[][] order = new int[3][];
        order[0] = java.util.stream.IntStream.range(0, 20).toArray();                  // low frames least confident
        order[1] = java.util.stream.IntStream.range(0, 9).map(j -> 8 - j).toArray();   // high frames least confident
        order[2] = java.util.stream.IntStream.range(0, 6).toArray();                   // ties: lower position first
        int firstPass = 0;
        for (int q = 0; q < LEVELS; q++) {
            for (int b = 0; b < 3; b++) {
                int[] pass = expectedCommitPass(targets[b], steps[q], firstPass, order[b]);
                int[][] got = rows.get(b).target();
                for (int j = 0; j < targets[b]; j++) {
                    assertEquals(pass[j], got[j][q], "row " + b + " position " + j + " level " + q);
                }
            }
            firstPass += steps[q];
        }
    }

    @Test
    void greedyTiesGoToTheLowerIdAndSampledDrawsFollowTheGumbelKeys() {
        int[][][] prompts = {prompt(0, 0)};
        int[] targets = {12};
        // two tokens tied at the top; everything else far below
        Script script = (pass, row, frame, level, logits, off) -> {
            java.util.Arrays.fill(logits, off, off + CODEBOOK, -30f);
            logits[off + 5] = 2f;
            logits[off + 9] = 2f;
        };
        long seed = 12345L;
        int[] steps = {2, 1, 1};
        List<DecodeRow> rows = rows(prompts, targets, steps, 1f, 0, 0f, seed);
        decode(new ScriptedModel(script, prompts), rows);
        int[][] got = rows.get(0).target();
        // level 0, iteration 0 (sampled): all confidences are equal (log 1/2), so by the tie rule
        // the lower positions stay masked and positions [stay, 12) are committed with Gumbel-max draws
        int stay = MaskSchedule.stayMasked(12, 2, 0, 12);
        RandomKey key = new RandomKey(seed, 0, 0, 0, Purpose.TOKEN_GUMBEL);
        for (int j = 0; j < 12; j++) {
            int expected;
            if (j >= stay) {
                float s5 = 2f + key.gumbel(j, 5);
                float s9 = 2f + key.gumbel(j, 9);
                expected = s9 > s5 ? 9 : 5;
            } else {
                expected = 5; // the greedy last iteration: tie -> lower id
            }
            assertEquals(expected, got[j][0], "level 0 position " + j);
            assertEquals(5, got[j][1], "greedy level 1 position " + j);
            assertEquals(5, got[j][2], "greedy level 2 position " + j);
        }
    }

    /**
     * Bumpy logits whose argmax depends on pass, row, frame and level, so a sampled draw (at
     * temperature near 1) is rarely the argmax.
     */
    private static final Script BUMPY = (pass, row, frame, level, logits, off) -> {
        for (int c = 0; c < CODEBOOK; c++) {
            logits[off + c] = 0.05f * ((c * 31 + frame * 7 + pass * 13 + row * 5 + level * 3) % 23);
        }
    };

    /** Counts of the commits checked by {@link #decodeAndCheckEveryDraw}. */
    private record Commits(int greedyBeforeLastIteration, int sampledUnlikeArgmax, long mixedLevelPasses) {
    }

    /**
     * Decodes {@link #BUMPY} and checks every target token against the draw that must have made it:
     * the argmax of its pass's logits when that iteration left the token's row with nothing masked
     * at the level (DESIGN.md section 3), else the Gumbel-max draw under the iteration's key (so
     * rows that do not finish early draw exactly what they drew before greediness became per row).
     */
    private static Commits decodeAndCheckEveryDraw(int[][][] prompts, int[] targets, int[] steps, float t0, long seed) {
        ScriptedModel model = new ScriptedModel(BUMPY, prompts);
        List<DecodeRow> rows = rows(prompts, targets, steps, t0, 0, 4.5f, seed);
        decode(model, rows);
        int[][] finalTokens = rows.stream().map(r -> r.tokens.clone()).toArray(int[][]::new);
        TokenScorer scorer = new TokenScorer(CODEBOOK);
        float[] logits = new float[CODEBOOK];
        int greedyEarly = 0;
        int sampledUnlikeArgmax = 0;
        for (int pass = 0; pass < model.passes; pass++) {
            int[][] before = model.snapshots.get(pass);
            int[][] after = pass + 1 < model.passes ? model.snapshots.get(pass + 1) : finalTokens;
            List<DecodeRow> group = model.groups.get(pass);
            for (int g = 0; g < group.size(); g++) {
                int b = group.get(g).sequenceId;
                int q = model.stepsBefore.get(pass).get(g)[0];
                int i = model.stepsBefore.get(pass).get(g)[1];
                int prompt = prompts[b].length;
                int stayAfter = 0;
                for (int f = prompt; f < prompt + targets[b]; f++) {
                    stayAfter += after[b][f * LEVELS + q] == MASK ? 1 : 0;
                }
                boolean greedy = stayAfter == 0;
                RandomKey tokenKey = new RandomKey(seed, b, q, i, Purpose.TOKEN_GUMBEL);
                RandomKey choiceKey = new RandomKey(seed, b, q, i, Purpose.CHOICE_GUMBEL);
                for (int f = prompt; f < prompt + targets[b]; f++) {
                    int at = f * LEVELS + q;
                    if (before[b][at] != MASK) {
                        assertEquals(before[b][at], after[b][at], "committed token changed: row " + b + " frame " + f);
                        continue;
                    }
                    if (after[b][at] == MASK) {
                        continue; // stays masked
                    }
                    java.util.Arrays.fill(logits, 0f);
                    BUMPY.fill(pass, b, f, q, logits, 0);
                    int argmax = scorer.draw(logits, 0, true, 1f, 0, 0f, tokenKey, choiceKey, f - prompt);
                    int sampled = scorer.draw(logits, 0, false, 1f / MaskSchedule.temperature(t0, i, steps[q]), 0, 0f,
                            tokenKey, choiceKey, f - prompt);
                    String where = "row " + b + " frame " + f + " level " + q + " iteration " + i
                            + (greedy ? " (leaves the row with nothing masked)" : "");
                    assertEquals(greedy ? argmax : sampled, after[b][at], where);
                    greedyEarly += greedy && i < steps[q] - 1 ? 1 : 0;
                    sampledUnlikeArgmax += !greedy && sampled != argmax ? 1 : 0;
                }
            }
        }
        for (int b = 0; b < targets.length; b++) {
            assertEquals(DecodeRow.passes(targets[b], steps), rows.get(b).passesDone(), "passes of row " + b);
        }
        return new Commits(greedyEarly, sampledUnlikeArgmax, model.levelsSeen.stream().filter(l -> l.length > 1).count());
    }

    @Test
    void aLevelWithFewerPositionsThanIterationsTakesTheArgmaxOnTheIterationThatFinishesIt() {
        // N = 3 with S = 16 (and S = 4 at level 1) finishes after 3 iterations; N = 1 after one
        for (int[] targets : new int[][] {{3}, {1}}) {
            for (long seed : new long[] {5L, -77L, 1234567L}) {
                Commits c = decodeAndCheckEveryDraw(new int[][][] {prompt(2, 3)}, targets, new int[] {16, 4, 1}, 1f, seed);
                // one position per early finish: level 0 (S = 16) and level 1 (S = 4); level 2's one iteration is its last
                assertEquals(2, c.greedyBeforeLastIteration(), "commits by iterations that finish the level early");
            }
        }
    }

    @Test
    void aShortRowTakesTheArgmaxWhenItFinishesAndMovesOnWhileLongerRowsKeepSampling() {
        int[][][] prompts = {prompt(0, 0), prompt(4, 2), prompt(1, 9), prompt(3, 4)};
        int[] targets = {3, 40, 2, 9};
        for (long seed : new long[] {11L, 99L}) {
            Commits c = decodeAndCheckEveryDraw(prompts, targets, new int[] {16, 4, 2}, 1f, seed);
            // rows of 3, 2 and 9 positions finish level 0 early, rows of 3 and 2 level 1: one position each
            assertEquals(5, c.greedyBeforeLastIteration(), "commits by iterations that finish a short row early");
            org.junit.jupiter.api.Assertions.assertTrue(c.sampledUnlikeArgmax() > 20,
                    c.sampledUnlikeArgmax() + " sampled commits unlike the argmax: the other iterations still sample");
            org.junit.jupiter.api.Assertions.assertTrue(c.mixedLevelPasses() > 0,
                    "short rows move to the next level while long ones are still on level 0");
        }
    }

    @Test
    void topKExcludesEverythingBelowTheKthLogit() {
        int[][][] prompts = {prompt(0, 0)};
        int[] targets = {30};
        Script script = (pass, row, frame, level, logits, off) -> {
            for (int c = 0; c < CODEBOOK; c++) {
                logits[off + c] = -0.01f * c; // nearly flat: without top-k any id could be drawn
            }
        };
        List<DecodeRow> rows = rows(prompts, targets, new int[] {3, 3, 3}, 5f, 2, 4.5f, 99L);
        decode(new ScriptedModel(script, prompts), rows);
        for (int[] frame : rows.get(0).target()) {
            for (int id : frame) {
                org.junit.jupiter.api.Assertions.assertTrue(id == 0 || id == 1, "top-2 drew " + id);
            }
        }
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        int[][][] prompts = {prompt(0, 0)};
        int[] targets = {40};
        Script flat = (pass, row, frame, level, logits, off) -> { };
        int[][] a = decodeWithSeed(flat, prompts, targets, 1L);
        int[][] b = decodeWithSeed(flat, prompts, targets, 1L);
        int[][] c = decodeWithSeed(flat, prompts, targets, 2L);
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.deepEquals(a, c));
    }

    private static int[][] decodeWithSeed(Script script, int[][][] prompts, int[] targets, long seed) {
        List<DecodeRow> rows = rows(prompts, targets, new int[] {4, 2, 2}, 1f, 0, 4.5f, seed);
        decode(new ScriptedModel(script, prompts), rows);
        return rows.get(0).target();
    }

    @Test
    void rankKeyOrdersByConfidenceThenPosition() {
        float[] values = {Float.NEGATIVE_INFINITY, -1e30f, -2f, -1f, -0f, 0f, 1e-30f, 1f, 3f, Float.MAX_VALUE};
        for (int i = 0; i + 1 < values.length; i++) {
            org.junit.jupiter.api.Assertions.assertTrue(
                    LevelwiseSampler.rankKey(values[i], 5) < LevelwiseSampler.rankKey(values[i + 1], 0) || values[i] == values[i + 1],
                    values[i] + " before " + values[i + 1]);
        }
        org.junit.jupiter.api.Assertions.assertTrue(LevelwiseSampler.rankKey(1f, 3) < LevelwiseSampler.rankKey(1f, 4));
    }
}
