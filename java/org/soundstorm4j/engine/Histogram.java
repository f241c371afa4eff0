package org.soundstorm4j.engine;

/** A Prometheus-style cumulative histogram over fixed upper bounds; thread-safe. */
final class Histogram {
    private final double[] bounds;
    /** counts[i]: observations at most bounds[i] and above bounds[i - 1]; the last is +Inf. */
    private final long[] counts;
    private double sum;

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length + 1];
    }

    synchronized void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
            i++;
        }
        counts[i]++;
        sum += value;
    }

    /** Writes the series {@code name_bucket}, {@code name_sum}, {@code name_count} in the text format. */
    synchronized void write(StringBuilder out, String name) {
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i];
            String le = i < bounds.length ? format(bounds[i]) : "+Inf";
            out.append(name).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
        }
        out.append(name).append("_sum ").append(format(sum)).append('\n');
        out.append(name).append("_count ").append(cumulative).append('\n');
    }

    synchronized long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    synchronized double sum() {
        return sum;
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
