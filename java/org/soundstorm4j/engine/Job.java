package org.soundstorm4j.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.soundstorm4j.Progress;
import org.soundstorm4j.sampler.DecodeRow;
import org.soundstorm4j.sampler.DecodeSettings;

/** One request inside the engine: its timeline, the row of its current window and its accounting. */
final class Job {
    final long id;
    final GenerationRequest request;
    final CompletableFuture<Generation> future = new CompletableFuture<>();
    final long submittedNanos;
    /** {@code System.nanoTime()} of the deadline, or Long.MAX_VALUE. */
    final long deadlineNanos;
    private final Timeline timeline;
    private final DecodeSettings settings;
    private final int maskId;
    private final int passesTotal;
    private int window;
    private DecodeRow row;
    private int passesDone;
    private long startedNanos = -1;
    /** Pass time this request has been given: the scheduler serves the least served first. */
    long served;
    /** Admission rounds in which this request was the oldest waiting and rows went to others. */
    int passedOver;

    Job(long id, GenerationRequest request, Timeline timeline, DecodeSettings settings, int maskId, long now,
        long deadlineNanos) {
        this.id = id;
        this.request = request;
        this.timeline = timeline;
        this.settings = settings;
        this.maskId = maskId;
        this.submittedNanos = now;
        this.deadlineNanos = deadlineNanos;
        int total = 0;
        for (int w = 0; w < timeline.windows(); w++) {
            total += DecodeRow.passes(timeline.targetFrames(w), settings.stepsPerLevel());
        }
        this.passesTotal = total;
    }

    /** The current window's row, made when the window starts. */
    DecodeRow row() {
        if (row == null) {
            row = timeline.row(window, maskId, settings);
        }
        return row;
    }

    /** Frames of the current window. */
    int frames() {
        return timeline.windowFrames(window);
    }

    boolean started() {
        return startedNanos >= 0;
    }

    void markStarted(long now) {
        if (startedNanos < 0) {
            startedNanos = now;
        }
    }

    /**
     * Accounts for the pass just run at ({@code level}, {@code iteration}) and tells the listener;
     * when the window is finished, hands it on and moves to the next.
     *
     * @return whether the whole request is done
     */
    boolean afterPass(int level, int iteration) {
        passesDone++;
        request.listener().onPass(new Progress(window, timeline.windows(), level, iteration, passesDone, passesTotal));
        if (!row.finished()) {
            return false;
        }
        int offset = timeline.produced();
        int[][] tokens = row.target();
        timeline.accept(tokens);
        request.listener().onWindow(offset, copy(tokens));
        row = null;
        window++;
        return window == timeline.windows();
    }

    private static int[][] copy(int[][] tokens) {
        int[][] c = new int[tokens.length][];
        for (int t = 0; t < tokens.length; t++) {
            c[t] = tokens[t].clone();
        }
        return c;
    }

    Generation result(long now) {
        return new Generation(timeline.output(), passesDone, Duration.ofNanos(startedNanos - submittedNanos),
                Duration.ofNanos(now - startedNanos));
    }
}
