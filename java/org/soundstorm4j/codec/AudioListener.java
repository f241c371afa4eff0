package org.soundstorm4j.codec;

/** Receives decoded audio from {@link Codec#decode(int[][][], int, AudioListener)} as soon as a chunk is final. */
@FunctionalInterface
public interface AudioListener {
    /**
     * One chunk of one batch row, in order: chunks of a row arrive with increasing, contiguous
     * offsets, and for each chunk every row is delivered (row 0 first) before the next chunk.
     *
     * @param row          the batch row
     * @param sampleOffset the first sample's index in the row's waveform
     * @param samples      the samples (the listener may keep the array)
     */
    void onChunk(int row, long sampleOffset, float[] samples);
}
