package org.soundstorm4j.backend;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Wraps a backend and adds up the wall time spent in each op, for {@code bench --profile}.
 * Times are taken around each call, so on an asynchronous backend they measure launch cost, not
 * device time.
 */
public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>();

    public ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    private void timed(String op, Runnable body) {
        timedValue(op, () -> {
            body.run();
            return null;
        });
    }

    private <T> T timedValue(String op, Supplier<T> body) {
        long t0 = System.nanoTime();
        T result = body.get();
        long[] slot = totals.computeIfAbsent(op, k -> new long[2]);
        slot[0] += System.nanoTime() - t0;
        slot[1]++;
        return result;
    }

    /** Forgets the times so far (e.g. after warm-up). */
    public void reset() {
        totals.clear();
    }

    /** Calls of {@code op} (as named in {@link #report()}) since the last reset. */
    public long calls(String op) {
        long[] slot = totals.get(op);
        return slot == null ? 0 : slot[1];
    }

    /** One line per op: total milliseconds, share of the total, and call count, largest first. */
    public String report() {
        long all = totals.values().stream().mapToLong(v -> v[0]).sum();
        StringBuilder sb = new StringBuilder();
        totals.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sb.append(String.format(Locale.ROOT, "  %-20s %10.2f ms %5.1f%% %7d calls%n", e.getKey(),
                        e.getValue()[0] / 1e6, 100.0 * e.getValue()[0] / Math.max(1, all), e.getValue()[1])));
        return sb.toString();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description() + " (profiled)";
    }

    @Override
    public Tensor allocate(long size) {
        return timedValue("allocate", () -> inner.allocate(size));
    }

    @Override
    public Tensor upload(float[] values) {
        return timedValue("upload", () -> inner.upload(values));
    }

    @Override
    public IntTensor allocateInts(long size) {
        return timedValue("allocateInts", () -> inner.allocateInts(size));
    }

    @Override
    public void write(IntTensor dst, int[] values) {
        timed("write", () -> inner.write(dst, values));
    }

    @Override
    public void write(Tensor dst, float[] values) {
        timed("write", () -> inner.write(dst, values));
    }

    @Override
    public void read(Tensor src, float[] dst) {
        timed("read", () -> inner.read(src, dst));
    }

    @Override
    public void readInts(IntTensor src, int[] dst) {
        timed("readInts", () -> inner.readInts(src, dst));
    }

    @Override
    public void release(DeviceBuffer buffer) {
        timed("release", () -> inner.release(buffer));
    }

    @Override
    public void im2col(Tensor x, IntTensor lengths, ConvWindow window, Tensor out, int batch, int frames, int channels) {
        timed("im2col", () -> inner.im2col(x, lengths, window, out, batch, frames, channels));
    }

    @Override
    public void conv1d(Tensor x, ConvWindow window, MatrixWeight weight, Tensor bias, Tensor out, int batch,
                       int frames, int cin) {
        timed("conv1d k" + window.kernel() + " " + weight.rows() + "x" + weight.cols(),
                () -> inner.conv1d(x, window, weight, bias, out, batch, frames, cin));
    }

    @Override
    public void elu(Tensor x, Tensor out, int size) {
        timed("elu", () -> inner.elu(x, out, size));
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out, int size) {
        timed("add", () -> inner.add(a, b, out, size));
    }

    @Override
    public void codebookSum(IntTensor codes, Tensor table, Tensor out, int levels, int batch, int frames,
                            int codebookSize, int dim) {
        timed("codebookSum", () -> inner.codebookSum(codes, table, out, levels, batch, frames, codebookSize, dim));
    }

    @Override
    public void lstmRecurrence(Tensor gates, MatrixWeight whh, Tensor h, Tensor c, Tensor out, int batch, int frames,
                               int hidden) {
        timed("lstmRecurrence", () -> inner.lstmRecurrence(gates, whh, h, c, out, batch, frames, hidden));
    }

    @Override
    public void overlapAdd(Tensor y, Tensor bias, Tensor out, int batch, int framesIn, int framesOut, int channels,
                           int kernel, int stride, int trimLeft) {
        timed("overlapAdd", () -> inner.overlapAdd(y, bias, out, batch, framesIn, framesOut, channels, kernel, stride,
                trimLeft));
    }

    @Override
    public int maxTopK() {
        return inner.maxTopK();
    }

    @Override
    public void scoreTokens(Tensor logits, IntTensor tokens, DecodeLayout layout, RowSteps steps, IntTensor drawn,
                            Tensor confidence) {
        timed("scoreTokens", () -> inner.scoreTokens(logits, tokens, layout, steps, drawn, confidence));
    }

    @Override
    public void commitTokens(IntTensor drawn, Tensor confidence, RowSteps steps, IntTensor tokens,
                             DecodeLayout layout) {
        timed("commitTokens", () -> inner.commitTokens(drawn, confidence, steps, tokens, layout));
    }

    @Override
    public void selectRows(Tensor src, RowSteps steps, int level, Tensor dst, int batch, long rowSize) {
        timed("selectRows", () -> inner.selectRows(src, steps, level, dst, batch, rowSize));
    }

    @Override
    public MatrixWeight uploadMatrix(float[] values, int rows, int cols) {
        return timedValue("uploadMatrix", () -> inner.uploadMatrix(values, rows, cols));
    }

    @Override
    public MatrixWeight uploadMatrix(MatrixSource source) {
        return timedValue("uploadMatrix", () -> inner.uploadMatrix(source));
    }

    @Override
    public void embedSum(IntTensor tokens, IntTensor semantic, IntTensor lengths, Tensor codeEmbeds,
                         Tensor semanticEmbeds, Tensor out, int batch, int frames, int levels, int codebookSize, int dim) {
        timed("embedSum", () -> inner.embedSum(tokens, semantic, lengths, codeEmbeds, semanticEmbeds, out, batch, frames,
                levels, codebookSize, dim));
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, int rows, int dim) {
        timed("layerNorm", () -> inner.layerNorm(x, gamma, beta, out, rows, dim));
    }

    @Override
    public void linear(Tensor x, MatrixWeight w, Tensor bias, Activation act, Tensor out, int rows) {
        timed("linear " + w.rows() + "x" + w.cols(), () -> inner.linear(x, w, bias, act, out, rows));
    }

    @Override
    public void linearAccumulate(Tensor x, MatrixWeight w, Tensor bias, float scale, Tensor out, int rows) {
        timed("linear+= " + w.rows() + "x" + w.cols(), () -> inner.linearAccumulate(x, w, bias, scale, out, rows));
    }

    @Override
    public void attention(Tensor q, Tensor kv, IntTensor lengths, AttentionShape shape, Tensor out) {
        timed("attention", () -> inner.attention(q, kv, lengths, shape, out));
    }

    @Override
    public void glu(Tensor x, Tensor out, int rows, int channels) {
        timed("glu", () -> inner.glu(x, out, rows, channels));
    }

    @Override
    public void depthwiseConvSwish(Tensor x, Tensor weight, Tensor bias, IntTensor lengths, Tensor out, int batch,
                                   int frames, int channels, int kernel) {
        timed("depthwiseConvSwish", () -> inner.depthwiseConvSwish(x, weight, bias, lengths, out, batch, frames,
                channels, kernel));
    }

    @Override
    public void chanNorm(Tensor x, Tensor gamma, Tensor out, int rows, int channels) {
        timed("chanNorm", () -> inner.chanNorm(x, gamma, out, rows, channels));
    }

    @Override
    public void finish() {
        timed("finish", inner::finish);
    }

    @Override
    public void close() {
        inner.close();
    }
}
