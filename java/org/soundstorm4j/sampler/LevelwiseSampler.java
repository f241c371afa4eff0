package org.soundstorm4j.sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.RowStep;
import org.soundstorm4j.backend.Tensor;

/**
 * SoundStorm's decoder (docs/ARCHITECTURE.md, "Decoding"), written once against {@link Backend}, one
 * forward pass at a time: {@link #pass} runs the forward pass, {@link Backend#scoreTokens} (a token
 * and a confidence for every still-masked position) and {@link Backend#commitTokens} (the least
 * confident stay masked by the cosine schedule, ranked within the level, the rest are committed) over
 * a group of {@link DecodeRow}s, each at its own level and iteration, and moves each row one iteration
 * on. Committed tokens and prompt frames are never touched again; finer levels stay mask tokens until
 * their turn.
 *
 * <p>Transfers: a group stays on the device while consecutive passes serve the same rows in the same
 * order, so a group decoded to the end costs one upload of each input, two small writes of row steps
 * per pass and one read of the tokens. A different group first brings the tokens of the one on the
 * device back to its rows. One set of device buffers, sized by capacity and grown when a larger group
 * comes, is reused, so nothing is allocated on the device while groups fit.
 *
 * <p>Not thread-safe: one thread (the engine's scheduler) drives it.
 */
public final class LevelwiseSampler {
    private final Backend backend;
    private final DeviceForward model;
    private final int codebookSize;
    private final int levels;
    /** The decode buffers, grown (the old ones released) when a group does not fit. */
    private DecodeBuffers buffers;
    /** The rows whose tokens are in the device buffers, in order, and their padded frames. */
    private List<DecodeRow> resident = List.of();
    private int residentFrames;
    /** Whether the device holds tokens the resident rows' host copies lack. */
    private boolean hostBehind;

    public LevelwiseSampler(Backend backend, DeviceForward model, int codebookSize, int levels) {
        this.backend = backend;
        this.model = model;
        this.codebookSize = codebookSize;
        this.levels = levels;
    }

    /**
     * One forward pass over {@code rows} (none finished, at most one entry per row), padded to
     * {@code frames} (at least every row's frames). Each row moves one iteration on; a row that
     * finishes has its tokens on the host when this returns. The ops run through
     * {@link Backend#replayable} under a key naming what they depend on (the buffers, the shape, the
     * set of levels), so a backend may record them once and replay them; the row steps' values live
     * in device memory and are not part of the key.
     */
    public void pass(List<DecodeRow> rows, int frames) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a pass needs at least one row");
        }
        List<RowStep> steps = new ArrayList<>(rows.size());
        TreeSet<Integer> levelSet = new TreeSet<>();
        for (DecodeRow r : rows) {
            if (r.levels != levels || r.frames > frames) {
                throw new IllegalArgumentException("a row of " + r.frames + " frames and " + r.levels
                        + " levels in a pass of " + frames + " frames and " + levels + " levels");
            }
            RowStep s = r.step();
            steps.add(s);
            levelSet.add(s.level());
        }
        RowStep.Packed packed = RowStep.pack(steps, codebookSize, backend.maxTopK());
        int batch = rows.size();
        if (!rows.equals(resident) || frames != residentFrames) {
            syncResident();
            DecodeBuffers d = buffers(batch, frames);
            d.write(backend, rows, frames, codebookSize);
            resident = List.copyOf(rows);
            residentFrames = frames;
        }
        DecodeBuffers d = buffers;
        d.writeSteps(backend, packed);
        DecodeLayout layout = d.layout(batch, frames, codebookSize);
        int[] levelsPresent = levelSet.stream().mapToInt(Integer::intValue).toArray();
        backend.replayable(new IterationKey(d, batch, frames, List.copyOf(levelSet)), () -> {
            Tensor logits = model.logits(d.tokens, d.semantic, d.lengths, batch, frames, d.steps, levelsPresent);
            backend.scoreTokens(logits, d.tokens, layout, d.steps, d.drawn, d.confidence);
            backend.commitTokens(d.drawn, d.confidence, d.steps, d.tokens, layout);
        });
        hostBehind = true;
        boolean anyFinished = false;
        for (DecodeRow r : rows) {
            r.advance();
            anyFinished |= r.finished();
        }
        if (anyFinished) {
            syncResident();
        }
    }

    /** Brings the resident rows' tokens to the host, if the device is ahead. */
    private void syncResident() {
        if (hostBehind) {
            buffers.read(backend, resident, residentFrames);
            hostBehind = false;
        }
    }

    /** What one iteration's ops depend on: equal keys run the same ops on the same buffers. */
    private record IterationKey(DecodeBuffers buffers, int batch, int frames, List<Integer> levels) {
    }

    /** Buffers that hold this group: the current ones, or larger ones replacing them. */
    private DecodeBuffers buffers(int batch, int frames) {
        if (buffers != null && buffers.fits(batch, frames, levels)) {
            return buffers;
        }
        int batchCapacity = batch;
        long positionCapacity = (long) batch * frames;
        if (buffers != null) {
            batchCapacity = Math.max(batchCapacity, buffers.batchCapacity);
            positionCapacity = Math.max(positionCapacity, buffers.positionCapacity);
            buffers.release(backend);
            buffers = null;
        }
        buffers = new DecodeBuffers(backend, batchCapacity, positionCapacity, levels);
        return buffers;
    }

    /** The largest top-k truncation the backend samples with ({@link Backend#maxTopK}). */
    public int maxTopK() {
        return backend.maxTopK();
    }

    /** Releases the device buffers (the next pass makes new ones). */
    public void release() {
        if (buffers != null) {
            buffers.release(backend);
            buffers = null;
        }
        resident = List.of();
        hostBehind = false;
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
