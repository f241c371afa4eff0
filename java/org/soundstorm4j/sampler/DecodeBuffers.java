package org.soundstorm4j.sampler;

import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * The device buffers of a decode and their host mirrors, sized by capacity: they serve any group of
 * at most {@link #batchCapacity} rows and {@link #positionCapacity} (row, frame) positions, allocated
 * once and rewritten by every group, so a backend that records an iteration's ops (CUDA graphs) sees
 * the same addresses every time and nothing is allocated while groups fit.
 */
final class DecodeBuffers {
    final int batchCapacity;
    final long positionCapacity;
    final int levels;
    final IntTensor tokens;
    final IntTensor semantic;
    final IntTensor drawn;
    final Tensor confidence;
    final IntTensor lengths;
    final IntTensor promptFrames;
    final IntTensor outputOffsets;
    final IntTensor sequenceIds;
    final RowSteps steps;
    /** Host mirrors, packed by {@link #write} and unpacked by {@link #read}. */
    private final int[] hostTokens;
    private final int[] hostSemantic;
    private final int[] hostLengths;
    private final int[] hostPromptFrames;
    private final int[] hostOutputOffsets;
    private final int[] hostSequenceIds;

    DecodeBuffers(Backend backend, int batchCapacity, long positionCapacity, int levels) {
        if (positionCapacity * levels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(positionCapacity + " positions of " + levels + " levels do not fit "
                    + "in one Java array");
        }
        this.batchCapacity = batchCapacity;
        this.positionCapacity = positionCapacity;
        this.levels = levels;
        tokens = backend.allocateInts(positionCapacity * levels);
        semantic = backend.allocateInts(positionCapacity);
        drawn = backend.allocateInts(positionCapacity);
        confidence = backend.allocate(positionCapacity);
        lengths = backend.allocateInts(batchCapacity);
        promptFrames = backend.allocateInts(batchCapacity);
        outputOffsets = backend.allocateInts(batchCapacity);
        sequenceIds = backend.allocateInts(batchCapacity);
        steps = RowSteps.allocate(backend, batchCapacity);
        hostTokens = new int[(int) (positionCapacity * levels)];
        hostSemantic = new int[(int) positionCapacity];
        hostLengths = new int[batchCapacity];
        hostPromptFrames = new int[batchCapacity];
        hostOutputOffsets = new int[batchCapacity];
        hostSequenceIds = new int[batchCapacity];
    }

    /** Whether these buffers hold a group of this shape. */
    boolean fits(int batch, int frames, int levels) {
        return batch <= batchCapacity && (long) batch * frames <= positionCapacity && levels == this.levels;
    }

    /** The layout of a group of this shape over these buffers. */
    DecodeLayout layout(int batch, int frames, int codebookSize) {
        return new DecodeLayout(batch, frames, levels, codebookSize, lengths, promptFrames, outputOffsets, sequenceIds);
    }

    /** Copies a group's inputs to the device, padded to {@code frames}: one host-to-device copy per input. */
    void write(Backend backend, List<DecodeRow> rows, int frames, int maskId) {
        int used = rows.size() * frames;
        java.util.Arrays.fill(hostTokens, 0, used * levels, maskId);
        java.util.Arrays.fill(hostSemantic, 0, used, 0);
        for (int b = 0; b < rows.size(); b++) {
            DecodeRow r = rows.get(b);
            System.arraycopy(r.tokens, 0, hostTokens, b * frames * levels, r.frames * levels);
            System.arraycopy(r.semantic, 0, hostSemantic, b * frames, r.frames);
            hostLengths[b] = r.frames;
            hostPromptFrames[b] = r.promptFrames;
            hostOutputOffsets[b] = r.outputOffset;
            hostSequenceIds[b] = r.sequenceId;
        }
        int n = rows.size();
        backend.write(tokens, java.util.Arrays.copyOf(hostTokens, used * levels));
        backend.write(semantic, java.util.Arrays.copyOf(hostSemantic, used));
        backend.write(lengths, java.util.Arrays.copyOf(hostLengths, n));
        backend.write(promptFrames, java.util.Arrays.copyOf(hostPromptFrames, n));
        backend.write(outputOffsets, java.util.Arrays.copyOf(hostOutputOffsets, n));
        backend.write(sequenceIds, java.util.Arrays.copyOf(hostSequenceIds, n));
    }

    /** Copies the group's tokens back into its rows: one device-to-host copy. */
    void read(Backend backend, List<DecodeRow> rows, int frames) {
        int used = rows.size() * frames * levels;
        int[] host = used == hostTokens.length ? hostTokens : new int[used];
        backend.readInts(tokens, host);
        for (int b = 0; b < rows.size(); b++) {
            DecodeRow r = rows.get(b);
            System.arraycopy(host, b * frames * levels, r.tokens, 0, r.frames * levels);
        }
    }

    /** Copies one pass's row steps: two host-to-device copies. */
    void writeSteps(Backend backend, RowStep.Packed packed) {
        steps.write(backend, packed);
    }

    void release(Backend backend) {
        for (DeviceBuffer d : List.of(tokens, semantic, drawn, confidence, lengths, promptFrames, outputOffsets,
                sequenceIds)) {
            backend.release(d);
        }
        steps.release(backend);
    }
}
