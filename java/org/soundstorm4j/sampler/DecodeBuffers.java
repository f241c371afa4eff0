package org.soundstorm4j.sampler;

import java.util.ArrayList;
import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/**
 * The device buffers of a decode, sized by capacity: they serve any batch of at most
 * {@link #batchCapacity} rows and {@link #rowCapacity} (row, frame) positions, allocated once and
 * rewritten by every generation, so a backend that records an iteration's ops (CUDA graphs) sees the
 * same addresses every time. The row steps of each pass have tables of their own ({@link #steps}),
 * added as a decode needs more passes.
 */
final class DecodeBuffers {
    final int batchCapacity;
    final long rowCapacity;
    final int levels;
    final IntTensor tokens;
    final IntTensor semantic;
    final IntTensor drawn;
    final Tensor confidence;
    final IntTensor lengths;
    final IntTensor promptFrames;
    final IntTensor outputOffsets;
    final IntTensor sequenceIds;
    private final List<RowSteps> passSteps = new ArrayList<>();

    DecodeBuffers(Backend backend, int batchCapacity, long rowCapacity, int levels) {
        this.batchCapacity = batchCapacity;
        this.rowCapacity = rowCapacity;
        this.levels = levels;
        tokens = backend.allocateInts(rowCapacity * levels);
        semantic = backend.allocateInts(rowCapacity);
        drawn = backend.allocateInts(rowCapacity);
        confidence = backend.allocate(rowCapacity);
        lengths = backend.allocateInts(batchCapacity);
        promptFrames = backend.allocateInts(batchCapacity);
        outputOffsets = backend.allocateInts(batchCapacity);
        sequenceIds = backend.allocateInts(batchCapacity);
    }

    /** Whether these buffers hold a batch of this shape. */
    boolean fits(int batch, int frames, int levels) {
        return batch <= batchCapacity && (long) batch * frames <= rowCapacity && levels == this.levels;
    }

    /** The layout of a batch of this shape over these buffers. */
    DecodeLayout layout(int batch, int frames, int codebookSize) {
        return new DecodeLayout(batch, frames, levels, codebookSize, lengths, promptFrames, outputOffsets, sequenceIds);
    }

    /** Pass {@code pass}'s row-step tables (allocated on first use, for {@link #batchCapacity} rows). */
    RowSteps steps(Backend backend, int pass) {
        while (passSteps.size() <= pass) {
            passSteps.add(RowSteps.allocate(backend, batchCapacity));
        }
        return passSteps.get(pass);
    }

    /** Copies a batch's inputs to the device: one host-to-device copy per input. */
    void write(Backend backend, DecodeBatch b) {
        backend.write(tokens, b.tokens);
        backend.write(semantic, b.semantic);
        backend.write(lengths, b.lengths);
        backend.write(promptFrames, b.promptFrames);
        backend.write(outputOffsets, b.outputOffsets);
        backend.write(sequenceIds, b.sequenceIds);
    }

    /** Copies each pass's row steps: two host-to-device copies per pass. */
    void writeSteps(Backend backend, List<RowStep.Packed> passes) {
        for (int p = 0; p < passes.size(); p++) {
            steps(backend, p).write(backend, passes.get(p));
        }
    }

    void release(Backend backend) {
        for (DeviceBuffer d : List.of(tokens, semantic, drawn, confidence, lengths, promptFrames, outputOffsets,
                sequenceIds)) {
            backend.release(d);
        }
        for (RowSteps s : passSteps) {
            s.release(backend);
        }
        passSteps.clear();
    }
}
