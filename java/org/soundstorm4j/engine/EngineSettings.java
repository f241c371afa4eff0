package org.soundstorm4j.engine;

import java.time.Duration;

/**
 * How a {@link GenerationEngine} batches.
 *
 * @param maxRows           rows (requests) per forward pass, and requests generating at once; the rest wait in
 *                          the queue
 * @param maxWait           how long the first pass of a newly admitted request waits for others to arrive
 *                          before it runs without a full batch; later passes never wait
 * @param maxQueued         requests waiting for a row once every row is taken; one more fails with
 *                          {@link QueueFullException} (0: take a request only when a row is free)
 * @param deviceMemoryBytes bound on the activations of one pass (the model's workspace and the decode buffers,
 *                          {@code Conformer.bytesPerPosition} per (row, frame) position, weights excluded): a pass
 *                          never holds more positions than fit, and a request whose window alone does not fit is
 *                          refused as bad input
 */
public record EngineSettings(int maxRows, Duration maxWait, int maxQueued, long deviceMemoryBytes) {

    public EngineSettings {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWait);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must be >= 0, got " + maxQueued);
        }
        if (deviceMemoryBytes < 1) {
            throw new IllegalArgumentException("deviceMemoryBytes must be >= 1, got " + deviceMemoryBytes);
        }
    }

    /** 16 rows, 2 ms, 256 queued, 2 GiB. */
    public static EngineSettings defaults() {
        return new EngineSettings(16, Duration.ofMillis(2), 256, 2L << 30);
    }

    public EngineSettings withMaxRows(int rows) {
        return new EngineSettings(rows, maxWait, maxQueued, deviceMemoryBytes);
    }

    public EngineSettings withMaxWait(Duration wait) {
        return new EngineSettings(maxRows, wait, maxQueued, deviceMemoryBytes);
    }

    public EngineSettings withMaxQueued(int queued) {
        return new EngineSettings(maxRows, maxWait, queued, deviceMemoryBytes);
    }

    public EngineSettings withDeviceMemoryBytes(long bytes) {
        return new EngineSettings(maxRows, maxWait, maxQueued, bytes);
    }
}
