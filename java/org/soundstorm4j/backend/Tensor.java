package org.soundstorm4j.backend;

/**
 * A backend-owned array of 32-bit floats in device memory (a Java array on the CPU backend).
 * Element layouts are row-major; each op documents the shape it expects. A tensor may only be
 * passed to the backend that made it.
 */
public interface Tensor extends DeviceBuffer {
    /** Number of float elements. */
    long size();
}
