package org.soundstorm4j.model;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.Tensor;

/**
 * Level q's logit head on a backend, split out of the stored all-level tensors so that a forward
 * pass computes only the level being decoded.
 *
 * @param projection     level q's rows of {@code net.heads.0} ({@code [d, d]}); null for a dense head
 * @param projectionBias {@code [d]}; null for a dense head
 * @param logits         {@code [C, d]} (transposed from the stored {@code [d, C]})
 * @param logitsBias     {@code [C]}
 */
record HeadWeights(MatrixWeight projection, Tensor projectionBias, MatrixWeight logits, Tensor logitsBias) {

    /** Uploads level {@code level}'s slices, read in place from the checkpoint's all-level tensors. */
    static HeadWeights upload(Checkpoint ckpt, Backend be, int level) {
        ModelConfig c = ckpt.config();
        int d = c.dim();
        int cb = c.codebookSize();
        MatrixWeight projection = null;
        Tensor projectionBias = null;
        if (c.logitHead() == LogitHead.PROJECTED) {
            projection = be.uploadMatrix(ckpt.matrix(TensorNames.HEADS_WEIGHT, (long) level * d * d, d, d, false));
            projectionBias = be.upload(ckpt.floats(TensorNames.HEADS_BIAS, (long) level * d, d));
        }
        // stored [Q, d, C]: level q's [d, C] is the transpose of the [C, d] matrix the product wants
        MatrixWeight logits = be.uploadMatrix(ckpt.matrix(TensorNames.LOGITS_WEIGHT, (long) level * d * cb, cb, d, true));
        return new HeadWeights(projection, projectionBias, logits,
                be.upload(ckpt.floats(TensorNames.LOGITS_BIAS, (long) level * cb, cb)));
    }
}
