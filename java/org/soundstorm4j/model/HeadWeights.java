package org.soundstorm4j.model;

import java.util.Arrays;
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

    static HeadWeights upload(Checkpoint ckpt, Backend be, int level,
                              float[] headsWeight, float[] headsBias, float[] logitsWeight, float[] logitsBias) {
        ModelConfig c = ckpt.config();
        int d = c.dim();
        int cb = c.codebookSize();
        MatrixWeight projection = null;
        Tensor projectionBias = null;
        if (c.logitHead() == LogitHead.PROJECTED) {
            projection = be.uploadMatrix(Arrays.copyOfRange(headsWeight, level * d * d, (level + 1) * d * d), d, d);
            projectionBias = be.upload(Arrays.copyOfRange(headsBias, level * d, (level + 1) * d));
        }
        float[] w = new float[cb * d];
        int base = level * d * cb;
        for (int k = 0; k < d; k++) {
            for (int n = 0; n < cb; n++) {
                w[n * d + k] = logitsWeight[base + k * cb + n];
            }
        }
        return new HeadWeights(projection, projectionBias, be.uploadMatrix(w, cb, d),
                be.upload(Arrays.copyOfRange(logitsBias, level * cb, (level + 1) * cb)));
    }
}
