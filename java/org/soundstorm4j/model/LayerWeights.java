package org.soundstorm4j.model;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.Tensor;

/** One Conformer block's weights on a backend. */
record LayerWeights(
        FeedForwardWeights ff1,
        Tensor attnNormWeight, Tensor attnNormBias, MatrixWeight toQ, MatrixWeight toKv,
        MatrixWeight toOut, Tensor toOutBias,
        Tensor convNormWeight, Tensor convNormBias, MatrixWeight pointwiseIn, Tensor pointwiseInBias,
        Tensor depthwiseWeight, Tensor depthwiseBias, Tensor chanNormGamma,
        MatrixWeight pointwiseOut, Tensor pointwiseOutBias,
        FeedForwardWeights ff2,
        Tensor postNormWeight, Tensor postNormBias) {

    /** A pre-norm feed-forward module: LayerNorm, Linear, Swish, Linear. */
    record FeedForwardWeights(Tensor normWeight, Tensor normBias, MatrixWeight in, Tensor inBias,
                              MatrixWeight out, Tensor outBias) {
        static FeedForwardWeights upload(Checkpoint ckpt, Backend be, String prefix) {
            ModelConfig c = ckpt.config();
            return new FeedForwardWeights(
                    be.upload(ckpt.floats(prefix + ".fn.norm.weight")),
                    be.upload(ckpt.floats(prefix + ".fn.norm.bias")),
                    be.uploadMatrix(ckpt.matrix(prefix + ".fn.fn.net.0.weight", c.ffDim(), c.dim())),
                    be.upload(ckpt.floats(prefix + ".fn.fn.net.0.bias")),
                    be.uploadMatrix(ckpt.matrix(prefix + ".fn.fn.net.3.weight", c.dim(), c.ffDim())),
                    be.upload(ckpt.floats(prefix + ".fn.fn.net.3.bias")));
        }
    }

    static LayerWeights upload(Checkpoint ckpt, Backend be, int layer) {
        ModelConfig c = ckpt.config();
        String p = TensorNames.layer(layer);
        int d = c.dim();
        return new LayerWeights(
                FeedForwardWeights.upload(ckpt, be, p + "ff1"),
                be.upload(ckpt.floats(p + "attn.norm.weight")),
                be.upload(ckpt.floats(p + "attn.norm.bias")),
                be.uploadMatrix(ckpt.matrix(p + "attn.fn.to_q.weight", c.innerDim(), d)),
                be.uploadMatrix(ckpt.matrix(p + "attn.fn.to_kv.weight", 2 * c.innerDim(), d)),
                be.uploadMatrix(ckpt.matrix(p + "attn.fn.to_out.weight", d, c.innerDim())),
                be.upload(ckpt.floats(p + "attn.fn.to_out.bias")),
                be.upload(ckpt.floats(p + "conv.net.0.weight")),
                be.upload(ckpt.floats(p + "conv.net.0.bias")),
                be.uploadMatrix(ckpt.matrix(p + "conv.net.2.weight", 2 * c.convDim(), d)),
                be.upload(ckpt.floats(p + "conv.net.2.bias")),
                be.upload(ckpt.floats(p + "conv.net.4.conv.weight")),
                be.upload(ckpt.floats(p + "conv.net.4.conv.bias")),
                be.upload(ckpt.floats(p + "conv.net.6.gamma")),
                be.uploadMatrix(ckpt.matrix(p + "conv.net.7.weight", d, c.convDim())),
                be.upload(ckpt.floats(p + "conv.net.7.bias")),
                FeedForwardWeights.upload(ckpt, be, p + "ff2"),
                be.upload(ckpt.floats(p + "post_norm.weight")),
                be.upload(ckpt.floats(p + "post_norm.bias")));
    }
}
