package org.soundstorm4j.sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.ScoreStep;
import org.soundstorm4j.backend.Tensor;

/**
 * SoundStorm's decoder (DESIGN.md section 3), written once against {@link Backend}: levels coarse
 * to fine; within level q, S_q iterations of forward pass, {@link Backend#scoreTokens} (a token
 * and a confidence for every still-masked position) and {@link Backend#commitTokens} (the least
 * confident stay masked by the cosine schedule, ranked within the level, the rest are committed).
 * Committed tokens and prompt frames are never touched again; finer levels stay mask tokens
 * until their turn. Each row of a batch has its own count of positions.
 *
 * <p>The whole loop runs on the device: one upload of each input, one read of the finished
 * tokens. The schedule depends on the lengths only, so the host computes every iteration's
 * "stay masked" counts up front and uploads them with the inputs.
 */
public final class LevelwiseSampler {
    private final Backend backend;
    private final DeviceForward model;
    private final int codebookSize;

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
     * Decodes every target token of {@code batch} in place.
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
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            IntTensor tokens = upload(batch.tokens, owned);
            IntTensor semantic = upload(batch.semantic, owned);
            DecodeLayout layout = new DecodeLayout(batch.batch, batch.frames, batch.levels, codebookSize,
                    upload(batch.lengths, owned), upload(batch.promptFrames, owned), upload(batch.outputOffsets, owned),
                    upload(batch.sequenceIds, owned));
            IntTensor stay = upload(stayTable(targets, stepsPerLevel), owned);
            IntTensor drawn = own(backend.allocateInts((long) batch.batch * batch.frames), owned);
            Tensor confidence = own(backend.allocate((long) batch.batch * batch.frames), owned);
            int pass = 0;
            for (int q = 0; q < batch.levels; q++) {
                int steps = stepsPerLevel[q];
                int iterations = MaskSchedule.iterationsNeeded(targets, steps);
                for (int i = 0; i < iterations; i++) {
                    Tensor logits = model.logits(tokens, semantic, layout.lengths(), batch.batch, batch.frames, q);
                    ScoreStep step = new ScoreStep(q, i, i == steps - 1,
                            1f / MaskSchedule.temperature(temperature, i, steps), topK,
                            MaskSchedule.choiceNoise(choiceTemperature, i, steps), seed);
                    backend.scoreTokens(logits, tokens, layout, step, drawn, confidence);
                    backend.commitTokens(drawn, confidence, stay, pass * batch.batch, tokens, layout, q);
                    pass++;
                    afterPass.accept(q, i);
                }
            }
            backend.readInts(tokens, batch.tokens);
        } finally {
            owned.forEach(backend::release);
        }
    }

    private IntTensor upload(int[] values, List<DeviceBuffer> owned) {
        IntTensor t = own(backend.allocateInts(values.length), owned);
        backend.write(t, values);
        return t;
    }

    private static <T extends DeviceBuffer> T own(T buffer, List<DeviceBuffer> owned) {
        owned.add(buffer);
        return buffer;
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
