package org.soundstorm4j.engine;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What an engine has done, for {@code /metrics}: requests by outcome, the queue, rows per pass, request
 * latency and passes, written in the Prometheus text format (version 0.0.4).
 */
public final class EngineMetrics {
    /** How a request ended (or was refused). */
    public enum Outcome {
        OK, BAD_INPUT, QUEUE_FULL, CLOSED, DEADLINE, CANCELLED, FAILED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<Outcome, AtomicLong> requests = new EnumMap<>(Outcome.class);
    private final Histogram batchRows = new Histogram(1, 2, 4, 8, 16, 32, 64, 128);
    private final Histogram requestSeconds = new Histogram(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120);
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong positions = new AtomicLong();
    private final IntSupplier queueDepth;
    private final IntSupplier activeRows;

    EngineMetrics(IntSupplier queueDepth, IntSupplier activeRows) {
        this.queueDepth = queueDepth;
        this.activeRows = activeRows;
        for (Outcome o : Outcome.values()) {
            requests.put(o, new AtomicLong());
        }
    }

    void request(Outcome outcome) {
        requests.get(outcome).incrementAndGet();
    }

    void finished(double seconds) {
        requestSeconds.observe(seconds);
    }

    void pass(int rows, long paddedPositions) {
        passes.incrementAndGet();
        positions.addAndGet(paddedPositions);
        batchRows.observe(rows);
    }

    /** Requests that ended with {@code outcome}. */
    public long requests(Outcome outcome) {
        return requests.get(outcome).get();
    }

    /** Forward passes run. */
    public long passes() {
        return passes.get();
    }

    /** Rows summed over every forward pass (with {@link #passes}: the mean rows per pass over a span). */
    public long rowsInPasses() {
        return (long) batchRows.sum();
    }

    /** Mean rows per forward pass (0 before the first). */
    public double meanRowsPerPass() {
        long n = batchRows.count();
        return n == 0 ? 0 : batchRows.sum() / n;
    }

    /** All of it in the Prometheus text format. */
    public String prometheus() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP soundstorm_requests_total Requests by how they ended.\n");
        out.append("# TYPE soundstorm_requests_total counter\n");
        for (Outcome o : Outcome.values()) {
            out.append("soundstorm_requests_total{outcome=\"").append(o.label()).append("\"} ")
                    .append(requests(o)).append('\n');
        }
        gauge(out, "soundstorm_queue_depth", "Requests waiting for a row.", queueDepth.getAsInt());
        gauge(out, "soundstorm_active_rows", "Requests generating.", activeRows.getAsInt());
        out.append("# HELP soundstorm_batch_rows Rows per forward pass.\n");
        out.append("# TYPE soundstorm_batch_rows histogram\n");
        batchRows.write(out, "soundstorm_batch_rows");
        out.append("# HELP soundstorm_request_seconds Seconds from submission to result of successful requests.\n");
        out.append("# TYPE soundstorm_request_seconds histogram\n");
        requestSeconds.write(out, "soundstorm_request_seconds");
        out.append("# HELP soundstorm_passes_total Forward passes run.\n");
        out.append("# TYPE soundstorm_passes_total counter\n");
        out.append("soundstorm_passes_total ").append(passes()).append('\n');
        out.append("# HELP soundstorm_positions_total (row, frame) positions computed, padding included.\n");
        out.append("# TYPE soundstorm_positions_total counter\n");
        out.append("soundstorm_positions_total ").append(positions.get()).append('\n');
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(value).append('\n');
    }
}
