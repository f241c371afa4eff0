package org.soundstorm4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.soundstorm4j.engine.Generation;
import org.soundstorm4j.engine.GenerationRequest;

/**
 * A partition's output rows, in its input's order. Rows are read and submitted to the executor's
 * engine {@link #AHEAD} batches ahead of the row being returned, so that the rows of a partition
 * (and of every task running on the executor) share forward passes, while a partition of any size
 * holds only that many rows in memory. When the task ends, however it ends, the rows still in the
 * engine are cancelled.
 */
final class GeneratedRows implements Iterator<Row> {
    /** Batches submitted ahead: enough to keep the engine's rows full while finished rows are handed on. */
    static final int AHEAD = 4;

    private final Iterator<Row> input;
    private final InputColumns columns;
    private final SparkGenerationOptions options;
    private final ExecutorModels.Loaded loaded;
    private final int window;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** A row on its way: its input, and its generation (null for a bad row). */
    private record Pending(RowInput row, CompletableFuture<Generation> generation) {
    }

    GeneratedRows(Iterator<Row> input, InputColumns columns, SparkGenerationOptions options,
                  ExecutorModels.Loaded loaded) {
        this.input = input;
        this.columns = columns;
        this.options = options;
        this.loaded = loaded;
        this.window = AHEAD * options.batch();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> cancelPending());
        }
    }

    @Override
    public boolean hasNext() {
        return !pending.isEmpty() || input.hasNext();
    }

    @Override
    public Row next() {
        fill();
        Pending next;
        synchronized (pending) {
            next = pending.poll();
        }
        if (next == null) {
            throw new NoSuchElementException("the partition has no more rows");
        }
        return finish(next);
    }

    private void fill() {
        while (pending.size() < window && input.hasNext()) {
            RowInput row = RowInput.read(input.next(), columns, loaded.model().config());
            CompletableFuture<Generation> generation = null;
            if (!row.isBad()) {
                try {
                    generation = loaded.model().engine()
                            .submit(GenerationRequest.of(row.utterance(), options.config().withSeed(row.seed())));
                } catch (IllegalArgumentException e) {
                    row = RowInput.bad(row.id(), e.getMessage()); // the engine's own checks: a window over its memory bound
                }
            }
            if (row.isBad() && options.failOnBadRow()) {
                throw badRow(row.id(), row.error());
            }
            synchronized (pending) {
                pending.add(new Pending(row, generation));
            }
        }
    }

    private Row finish(Pending p) {
        RowInput row = p.row();
        if (p.generation() == null) {
            return output(row.id(), null, null, row.error(), null);
        }
        Generation g;
        try {
            g = p.generation().get();
        } catch (InterruptedException e) {
            // Spark kills a task (a losing speculative attempt, a cancelled job) by interrupting it
            cancelPending();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("row '" + row.id() + "': the task was interrupted", e);
        } catch (CancellationException e) {
            throw new IllegalStateException("row '" + row.id() + "': its generation was cancelled", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // the engine refuses a bad row at submit (fill); a failed future is the engine's own failure
            // (a failed pass, a stopped scheduler): drop this model so that Spark's retry of the task
            // loads it afresh, and fail the task
            ExecutorModels.discard(loaded);
            if (cause instanceof VirtualMachineError fatal) {
                throw fatal; // Spark's executor handles these itself (an OutOfMemoryError ends the JVM)
            }
            throw new IllegalStateException("row '" + row.id() + "': generation failed: " + cause, cause);
        }
        byte[] wav = loaded.codec() == null ? null
                : RowAudio.wav(loaded.codec(), loaded.model().config(), row.utterance().semantic(), g.tokens());
        return output(row.id(), g.tokens(), g.passes(), null, wav);
    }

    private Row output(String id, int[][] tokens, Integer passes, String error, byte[] wav) {
        return loaded.codec() == null ? RowFactory.create(id, tokens, passes, error)
                : RowFactory.create(id, tokens, passes, error, wav);
    }

    private static IllegalArgumentException badRow(String id, String error) {
        return new IllegalArgumentException("row '" + id + "': " + error
                + " (failOnBadRow is set; without it the row would carry this in its error column)");
    }

    private void cancelPending() {
        List<Pending> left;
        synchronized (pending) {
            left = new ArrayList<>(pending);
            pending.clear();
        }
        for (Pending p : left) {
            if (p.generation() != null) {
                p.generation().cancel(false);
            }
        }
    }
}
