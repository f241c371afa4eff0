package org.soundstorm4j.backend;

/** A backend-owned buffer of 32-bit elements in device memory. */
public interface DeviceBuffer {
    /** Number of elements. */
    long size();
}
