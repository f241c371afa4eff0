package org.soundstorm4j.backend.cpu;

/** What a matrix-product tile does with its result {@code r = (A B^T)[i,n] + bias[n]}. */
enum Epilogue {
    /** {@code c = r}. */
    STORE,
    /** {@code c = r * sigmoid(r)}. */
    SWISH,
    /** {@code c += scale * r}. */
    ACCUMULATE
}
