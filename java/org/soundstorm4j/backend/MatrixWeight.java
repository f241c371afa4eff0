package org.soundstorm4j.backend;

/**
 * A weight matrix {@code W[rows, cols]} uploaded once, in whatever layout the backend's matrix
 * product likes best (packed panels on the CPU). {@link Backend#linear} computes {@code X W^T},
 * the layout of PyTorch's {@code nn.Linear.weight}: {@code rows} = output features,
 * {@code cols} = input features.
 */
public interface MatrixWeight {
    /** Output features (N). */
    int rows();

    /** Input features (K). */
    int cols();
}
