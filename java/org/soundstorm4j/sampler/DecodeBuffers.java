package org.soundstorm4j.sampler;

import java.util.List;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.DeviceBuffer;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.Tensor;

/**
 * The device buffers of one decode shape (batch, frames, levels, passes), allocated once and
 * rewritten by every generation of that shape, so a backend that records an iteration's ops
 * (CUDA graphs) sees the same addresses every time.
 */
final class DecodeBuffers {
    final int batch;
    final int frames;
    final IntTensor tokens;
    final IntTensor semantic;
    final IntTensor stay;
    final IntTensor drawn;
    final Tensor confidence;
    final DecodeLayout layout;

    DecodeBuffers(Backend backend, int batch, int frames, int levels, int codebookSize, int stayEntries) {
        this.batch = batch;
        this.frames = frames;
        tokens = backend.allocateInts((long) batch * frames * levels);
        semantic = backend.allocateInts((long) batch * frames);
        stay = backend.allocateInts(stayEntries);
        drawn = backend.allocateInts((long) batch * frames);
        confidence = backend.allocate((long) batch * frames);
        layout = new DecodeLayout(batch, frames, levels, codebookSize, backend.allocateInts(batch),
                backend.allocateInts(batch), backend.allocateInts(batch), backend.allocateInts(batch),
                backend.allocateInts(2));
    }

    /** Copies a batch's inputs to the device: one host-to-device copy per input. */
    void write(Backend backend, DecodeBatch b, int[] stayTable, long seed) {
        backend.write(tokens, b.tokens);
        backend.write(semantic, b.semantic);
        backend.write(layout.lengths(), b.lengths);
        backend.write(layout.promptFrames(), b.promptFrames);
        backend.write(layout.outputOffsets(), b.outputOffsets);
        backend.write(layout.sequenceIds(), b.sequenceIds);
        backend.write(layout.seed(), DecodeLayout.seedWords(seed));
        backend.write(stay, stayTable);
    }

    void release(Backend backend) {
        for (DeviceBuffer d : List.of(tokens, semantic, stay, drawn, confidence, layout.lengths(), layout.promptFrames(),
                layout.outputOffsets(), layout.sequenceIds(), layout.seed())) {
            backend.release(d);
        }
    }
}
