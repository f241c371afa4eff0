package org.soundstorm4j.weights.torch;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a strided view of a storage.
 * Not yet checked against the storage's bounds (see {@link StridedView}).
 *
 * @param storage the storage it views
 * @param offset  index of its first element in the storage, in elements
 * @param shape   sizes, outermost first
 * @param stride  elements between neighbours along each dimension
 */
record TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride) {
}
