package org.soundstorm4j.backend;

/** Element-wise function applied in a matrix product's epilogue. */
public enum Activation {
    /** Identity. */
    NONE,
    /** Swish (SiLU): {@code x * sigmoid(x)}. */
    SWISH
}
