package org.soundstorm4j.sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.ScoreStep;
import org.soundstorm4j.backend.ShapeCache;
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
 * tokens. The schedule depends on the lengths only, so the host computes every iteration's
 * "stay masked" counts up front and uploads them with the inputs. Device buffers are kept per
 * decode shape (the two most recently used) and reused, so nothing is allocated while shapes repeat.
 */
public final class LevelwiseSampler {
    private final Backend backend;
    private final DeviceForward model;
    private final int codebookSize;
    /** Decode buffers per shape: two, like the model's activations (full windows and a last, shorter one). */
    private final ShapeCache<DecodeShape, DecodeBuffers> buffers;

    public LevelwiseSampler(Backend backend, DeviceForward model, int codebookSize) {
        this.backend = backend;
        this.model = model;
        this.codebookSize = codebookSize;
        this.buffers = new ShapeCache<>(2, b -> b.release(backend));
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
     * level, iteration and pass, the step's scalars), so a backend may record them once per shape
     * and replay them; the seed lives in device memory and is not part of the key.
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
        DecodeBuffers d = buffers(batch, stayTable.length);
        d.write(backend, batch, stayTable, seed);
        int pass = 0;
        for (int q = 0; q < batch.levels; q++) {
            int level = q;
            int steps = stepsPerLevel[q];
            int iterations = MaskSchedule.iterationsNeeded(targets, steps);
            for (int i = 0; i < iterations; i++) {
                // a row takes the argmax where this pass's stay-masked count is 0 (MaskSchedule.greedy)
                ScoreStep step = new ScoreStep(q, i, 1f / MaskSchedule.temperature(temperature, i, steps), topK,
                        MaskSchedule.choiceNoise(choiceTemperature, i, steps));
                int stayOffset = pass * batch.batch;
                backend.replayable(new IterationKey(d, step, stayOffset), () -> {
                    Tensor logits = model.logits(d.tokens, d.semantic, d.layout.lengths(), d.batch, d.frames, level);
                    backend.scoreTokens(logits, d.tokens, d.layout, step, d.stay, stayOffset, d.drawn, d.confidence);
                    backend.commitTokens(d.drawn, d.confidence, d.stay, stayOffset, d.tokens, d.layout, level);
                });
                pass++;
                afterPass.accept(q, i);
            }
        }
        backend.readInts(d.tokens, batch.tokens);
    }

    /** What one iteration's ops depend on: equal keys run the same ops on the same buffers. */
    private record IterationKey(DecodeBuffers buffers, ScoreStep step, int stayOffset) {
    }

    /** The buffers of this shape, kept from an earlier decode of the same shape. */
    private DecodeBuffers buffers(DecodeBatch batch, int stayEntries) {
        return buffers.get(new DecodeShape(batch.batch, batch.frames, batch.levels, stayEntries),
                s -> new DecodeBuffers(backend, s.batch(), s.frames(), s.levels(), codebookSize, s.stayEntries()));
    }

    private record DecodeShape(int batch, int frames, int levels, int stayEntries) {
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
