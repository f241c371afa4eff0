package org.soundstorm4j.sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * SoundStorm's decoder (docs/ARCHITECTURE.md, "Decoding"), written once against {@link Backend}: levels coarse
 * to fine; within level q, S_q iterations of forward pass, {@link Backend#scoreTokens} (a token
 * and a confidence for every still-masked position) and {@link Backend#commitTokens} (the least
 * confident stay masked by the cosine schedule, ranked within the level, the rest are committed).
 * Committed tokens and prompt frames are never touched again; finer levels stay mask tokens
 * until their turn. Each row of a batch has its own count of positions.
 *
 * <p>The whole loop runs on the device: one upload of each input, one read of the finished
 * tokens. The schedule depends on the lengths only, so the host computes every pass's
 * {@link RowSteps} table (each row's level, iteration, scalars, seed and "stay masked" count) up
 * front and uploads them with the inputs. One set of device buffers, sized by capacity and grown when
 * a larger batch comes, is reused, so nothing is allocated while shapes fit.
 */
public final class LevelwiseSampler {
    private final Backend backend;
    private final DeviceForward model;
    private final int codebookSize;
    /** The decode buffers, grown (the old ones released) when a batch does not fit. */
    private DecodeBuffers buffers;

    public LevelwiseSampler(Backend backend, DeviceForward model, int codebookSize) {
        this.backend = backend;
        this.model = model;
        this.codebookSize = codebookSize;
    }

    /** Forward passes {@link #decode} runs for a batch with these target frames per row. */
    public static int passes(int[] targetFrames, int[] stepsPerLevel) {
        int total = 0;
        for (int s : stepsPerLevel) {
            total += MaskSchedule.iterationsNeeded(targetFrames, s);
        }
        return total;
    }

    /**
     * The positions each row keeps masked after each pass, pass by pass: {@code [passes][batch]}
     * flattened.
     */
    static int[] stayTable(int[] targets, int[] stepsPerLevel) {
        List<Integer> table = new ArrayList<>();
        for (int steps : stepsPerLevel) {
            int[] remaining = targets.clone();
            int iterations = MaskSchedule.iterationsNeeded(targets, steps);
            for (int i = 0; i < iterations; i++) {
                for (int b = 0; b < targets.length; b++) {
                    remaining[b] = MaskSchedule.stayMasked(targets[b], steps, i, remaining[b]);
                    table.add(remaining[b]);
                }
            }
        }
        return table.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Decodes every target token of {@code batch} in place. Each iteration's ops run through
     * {@link Backend#replayable} under a key naming everything they depend on (the buffers, the
     * shape, the pass's row-step tables, the level), so a backend may record them once per shape
     * and replay them; the steps' values (scalars, seed, stay counts) live in device memory and are
     * not part of the key. Every row gets the same settings and seed.
     *
     * @param stepsPerLevel iterations S_q per level
     * @param afterPass     called with (level, iteration) after each forward pass
     */
    public void decode(DecodeBatch batch, int[] stepsPerLevel, float temperature, int topK, float choiceTemperature,
                       long seed, BiConsumer<Integer, Integer> afterPass) {
        if (stepsPerLevel.length != batch.levels) {
            throw new IllegalArgumentException(stepsPerLevel.length + " step counts for " + batch.levels + " levels");
        }
        int[] targets = batch.targetFrames();
        int[] stayTable = stayTable(targets, stepsPerLevel);
        // every pass's row steps, packed (and checked) before anything is written
        List<RowStep.Packed> passes = new ArrayList<>();
        for (int q = 0; q < batch.levels; q++) {
            int steps = stepsPerLevel[q];
            int iterations = MaskSchedule.iterationsNeeded(targets, steps);
            for (int i = 0; i < iterations; i++) {
                float inverseTemperature = 1f / MaskSchedule.temperature(temperature, i, steps);
                float noise = MaskSchedule.choiceNoise(choiceTemperature, i, steps);
                List<RowStep> rows = new ArrayList<>(batch.batch);
                for (int b = 0; b < batch.batch; b++) {
                    // a row takes the argmax where this pass's stay-masked count is 0 (MaskSchedule.greedy)
                    rows.add(new RowStep(q, i, inverseTemperature, topK, noise, seed,
                            stayTable[passes.size() * batch.batch + b]));
                }
                passes.add(RowStep.pack(rows, codebookSize, backend.maxTopK()));
            }
        }
        DecodeBuffers d = buffers(batch);
        d.write(backend, batch);
        d.writeSteps(backend, passes);
        DecodeLayout layout = d.layout(batch.batch, batch.frames, codebookSize);
        int pass = 0;
        for (int q = 0; q < batch.levels; q++) {
            int[] levels = {q};
            int iterations = MaskSchedule.iterationsNeeded(targets, stepsPerLevel[q]);
            for (int i = 0; i < iterations; i++) {
                RowSteps steps = d.steps(backend, pass);
                backend.replayable(new IterationKey(d, batch.batch, batch.frames, steps, q), () -> {
                    Tensor logits = model.logits(d.tokens, d.semantic, d.lengths, batch.batch, batch.frames, steps,
                            levels);
                    backend.scoreTokens(logits, d.tokens, layout, steps, d.drawn, d.confidence);
                    backend.commitTokens(d.drawn, d.confidence, steps, d.tokens, layout);
                });
                pass++;
                afterPass.accept(q, i);
            }
        }
        backend.readInts(d.tokens, batch.tokens);
    }

    /** What one iteration's ops depend on: equal keys run the same ops on the same buffers. */
    private record IterationKey(DecodeBuffers buffers, int batch, int frames, RowSteps steps, int level) {
    }

    /** Buffers that hold this batch: the current ones, or larger ones replacing them. */
    private DecodeBuffers buffers(DecodeBatch batch) {
        if (buffers != null && buffers.fits(batch.batch, batch.frames, batch.levels)) {
            return buffers;
        }
        int batchCapacity = batch.batch;
        long rowCapacity = (long) batch.batch * batch.frames;
        if (buffers != null) {
            if (buffers.levels == batch.levels) {
                batchCapacity = Math.max(batchCapacity, buffers.batchCapacity);
                rowCapacity = Math.max(rowCapacity, buffers.rowCapacity);
            }
            buffers.release(backend);
            buffers = null;
        }
        buffers = new DecodeBuffers(backend, batchCapacity, rowCapacity, batch.levels);
        return buffers;
    }

    /**
     * A long whose signed order is (confidence ascending, position ascending): the float's bits
     * mapped to an order-preserving int in the high word, the position in the low word.
     */
    public static long rankKey(float confidence, int position) {
        int bits = Float.floatToIntBits(confidence);
        int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ((long) ordered << 32) | position;
    }
}
