package org.soundstorm4j.backend;

/** A backend-owned array of 32-bit ints in device memory (token ids, lengths). */
public interface IntTensor extends DeviceBuffer {
    /** Number of int elements. */
    long size();
}
