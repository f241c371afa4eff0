package org.soundstorm4j.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.model.Conformer;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.sampler.DecodeRow;
import org.soundstorm4j.sampler.DecodeSettings;
import org.soundstorm4j.sampler.DeviceForward;
import org.soundstorm4j.sampler.LevelwiseSampler;
import org.soundstorm4j.backend.Backend;

/**
 * Generates concurrent requests on one model with iteration-level (continuous) batching
 * (docs/ARCHITECTURE.md, "The serving engine"): one scheduler thread owns the backend and, at every
 * forward-pass boundary, admits waiting requests, drops cancelled and expired ones, picks a group of
 * rows of similar length and runs one pass over it, each row at its own level and iteration. A new
 * request joins at the next boundary, not after the running requests' 27 passes; a long-form request
 * goes window by window, each window a new row. Every request gets exactly the tokens it gets alone
 * with the same seed and config: a row's random draws depend on its own inputs, config and seed only.
 *
 * <pre>{@code
 * try (SoundStorm model = SoundStorm.load(dir)) {
 *     CompletableFuture<Generation> f = model.engine().submit(
 *             GenerationRequest.of(Utterance.of(ids), GenerationConfig.paper().withSeed(7)));
 *     int[][] tokens = f.join().tokens();
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close} stops taking requests, finishes every one already taken and returns.
 */
public final class GenerationEngine implements AutoCloseable {
    /**
     * Padding bound: a row joins a group only if the group's frames stay within this fraction of its
     * own frames plus {@link #PADDING_SLACK}; the slack lets short rows of nearly equal length share a
     * pass, where the extra positions cost next to nothing.
     */
    static final double PADDING_FRACTION = 0.25;
    static final int PADDING_SLACK = 16;
    /** How deep into the queue admission looks for rows of the next pass's length, in multiples of maxRows. */
    static final int LOOKAHEAD = 8;
    /** Least served first, then oldest: the order in which {@link #pickGroup} considers requests. */
    private static final Comparator<Job> BY_SERVICE = Comparator.comparingLong((Job j) -> j.served)
            .thenComparingLong(j -> j.id);

    private final ModelConfig config;
    private final EngineSettings settings;
    private final LevelwiseSampler sampler;
    /** Most (row, frame) positions one pass may hold, from the device memory bound. */
    private final long maxPositions;
    private final EngineMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Requests waiting for a row (guarded by lock). */
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    /** Requests generating: touched by the scheduler thread only, its size published for metrics. */
    private final List<Job> active = new ArrayList<>();
    private volatile int activeCount;
    private long nextId;
    private boolean closing;
    /** Why the scheduler stopped, if it died. */
    private Throwable broken;
    private final Thread scheduler;

    /** An engine over a loaded model; the caller keeps owning the model and its backend. */
    public GenerationEngine(Conformer conformer, EngineSettings settings) {
        this(conformer.config(), conformer.backend(), conformer::forward, settings);
    }

    /** An engine over any forward pass (a scripted one in tests). */
    GenerationEngine(ModelConfig config, Backend backend, DeviceForward forward, EngineSettings settings) {
        this.config = config;
        this.settings = settings;
        this.sampler = new LevelwiseSampler(backend, forward, config.codebookSize(), config.numQuantizers());
        this.maxPositions = Math.max(1, settings.deviceMemoryBytes() / Conformer.bytesPerPosition(config));
        this.metrics = new EngineMetrics(this::queueDepth, () -> activeCount);
        this.scheduler = Thread.ofPlatform().name("soundstorm-engine").daemon(true).unstarted(this::schedule);
        scheduler.start();
    }

    public EngineSettings settings() {
        return settings;
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    /** Forward passes a request for {@code utterance} takes, from the lengths alone (checked first). */
    public int passes(Utterance utterance, GenerationConfig generation) {
        RequestCheck.check(config, utterance, "");
        int[] steps = generation.steps().forLevels(config.numQuantizers());
        Timeline timeline = new Timeline(utterance, config.semanticRateRatio(), generation);
        int total = 0;
        for (int w = 0; w < timeline.windows(); w++) {
            total += DecodeRow.passes(timeline.targetFrames(w), steps);
        }
        return total;
    }

    /** Requests waiting for a row. */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a request. Checks it first: bad input is an {@link IllegalArgumentException} naming the
     * field and position, thrown here. A request that cannot be taken fails at once (the returned future
     * is already failed) with {@link QueueFullException}, {@link EngineClosedException} or
     * {@link DeadlineExceededException}. {@code future.cancel} removes the request at the next pass
     * boundary without disturbing the others.
     */
    public CompletableFuture<Generation> submit(GenerationRequest request) {
        return enqueue(request);
    }

    /**
     * Takes a batch of requests, all checked before any is taken (bad input names the request's index),
     * queued together so that they start in the same pass where rows allow, and waiting for room in
     * the queue instead of refusing: for callers that want all of a batch ({@code SoundStorm.generate}).
     * A closed engine or a passed deadline still fails a request's future at once.
     */
    public List<CompletableFuture<Generation>> submitAll(List<GenerationRequest> requests) {
        if (requests == null || requests.isEmpty()) {
            throw new IllegalArgumentException("no requests");
        }
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            try {
                jobs.add(check(requests.get(i)));
            } catch (IllegalArgumentException e) {
                metrics.request(EngineMetrics.Outcome.BAD_INPUT);
                throw new IllegalArgumentException("request " + i + ": " + e.getMessage(), e);
            }
        }
        lock.lock();
        try {
            for (Job job : jobs) {
                while (!closing && queue.size() >= settings.maxQueued() + Math.max(0, settings.maxRows() - activeCount)) {
                    changed.signalAll();
                    changed.awaitUninterruptibly();
                }
                take(job);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return jobs.stream().map(j -> j.future).toList();
    }

    private CompletableFuture<Generation> enqueue(GenerationRequest request) {
        Job job;
        try {
            job = check(request);
        } catch (IllegalArgumentException e) {
            metrics.request(EngineMetrics.Outcome.BAD_INPUT);
            throw e;
        }
        lock.lock();
        try {
            take(job);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return job.future;
    }

    /** Queues a checked job, or fails its future with the reason it cannot be taken (lock held). */
    private void take(Job job) {
        if (closing) {
            reject(job, EngineMetrics.Outcome.CLOSED, new EngineClosedException(broken == null
                    ? "the engine is closed" : "the engine stopped after a failure: " + broken));
        } else if (job.deadlineNanos <= System.nanoTime()) {
            reject(job, EngineMetrics.Outcome.DEADLINE, new DeadlineExceededException(
                    "the deadline " + job.request.deadline() + " passed before the request was taken"));
        } else if (queue.size() >= settings.maxQueued() + Math.max(0, settings.maxRows() - activeCount)) {
            reject(job, EngineMetrics.Outcome.QUEUE_FULL, new QueueFullException(
                    "the queue is full: " + queue.size() + " requests waiting (EngineSettings.maxQueued)"));
        } else {
            queue.add(job);
        }
    }

    private void reject(Job job, EngineMetrics.Outcome outcome, RuntimeException why) {
        metrics.request(outcome);
        job.future.completeExceptionally(why);
    }

    /** Validates a request against the model and the engine's bounds, and builds its job. */
    private Job check(GenerationRequest request) {
        if (request == null) {
            throw new IllegalArgumentException("the request is null");
        }
        RequestCheck.check(config, request.utterance(), "");
        int[] steps = request.config().steps().forLevels(config.numQuantizers());
        int topK = request.config().topK();
        if (topK > sampler.maxTopK() && topK < config.codebookSize()) {
            throw new IllegalArgumentException("top_k " + topK + " is above the backend's limit of "
                    + sampler.maxTopK());
        }
        Timeline timeline = new Timeline(request.utterance(), config.semanticRateRatio(), request.config());
        for (int w = 0; w < timeline.windows(); w++) {
            long positions = timeline.windowFrames(w);
            if (positions > maxPositions) {
                throw new IllegalArgumentException("window " + w + " has " + positions + " frames, more than the "
                        + maxPositions + " positions the engine's device memory bound of " + settings.deviceMemoryBytes()
                        + " bytes allows in a pass (EngineSettings.deviceMemoryBytes)");
            }
        }
        DecodeSettings decode = new DecodeSettings(steps, request.config().temperature(), topK,
                request.config().choiceTemperature(), request.config().seed());
        long now = System.nanoTime();
        long deadline = Long.MAX_VALUE;
        if (request.deadline() != null) {
            long left = Duration.between(Instant.now(), request.deadline()).toNanos();
            deadline = now + Math.min(left, Long.MAX_VALUE / 4);
        }
        lock.lock();
        try {
            return new Job(nextId++, request, timeline, decode, config.codebookSize(), now, deadline);
        } finally {
            lock.unlock();
        }
    }

    /** The scheduler thread's loop: one pass per turn until closed and drained. */
    private void schedule() {
        try {
            while (admit()) {
                dropFinishedEarly();
                if (active.isEmpty()) {
                    continue;
                }
                waitForCompany();
                runPass(pickGroup());
            }
        } catch (Throwable t) {
            stop(t);
        }
    }

    /**
     * Moves waiting requests into free rows, waiting while there is nothing to do.
     *
     * @return false once closed with nothing left
     */
    private boolean admit() throws InterruptedException {
        lock.lock();
        try {
            while (active.isEmpty() && queue.isEmpty()) {
                if (closing) {
                    return false;
                }
                changed.await();
            }
            dropQueued(); // first, so that no free row goes to a request cancelled while it waited
            long floor = active.stream().mapToLong(j -> j.served).min().orElse(0);
            for (Job job : takeForFreeRows(settings.maxRows() - active.size())) {
                // a newcomer starts level with the least served running request, so it neither waits
                // behind them nor, arriving late, takes every pass from them
                job.served = floor;
                active.add(job);
            }
            activeCount = active.size();
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the queued requests for {@code free} free rows (lock held), so that rows of a mixed-length
     * queue fill their passes instead of splitting every pass into groups by length. Rows go to the
     * waiting requests that can share a pass (the padding bound of {@link #pickGroup}) with the next
     * pass's group, whose first row is the least served running request; with nothing running, the
     * next pass's first row is the oldest waiting request. They are looked for among the oldest
     * {@link #LOOKAHEAD} x maxRows, oldest first, and rows still free go to the oldest of the rest.
     * Fairness: the oldest waiting request goes first once it has been passed over in maxRows rounds,
     * so each request of an odd length, once it is the oldest, waits at most that many admissions;
     * k of them in a row wait about k times that.
     */
    private List<Job> takeForFreeRows(int free) {
        List<Job> taken = new ArrayList<>();
        if (free <= 0 || queue.isEmpty()) {
            return taken;
        }
        Job oldest = queue.peek();
        int shortest;
        int longest;
        if (active.isEmpty() || oldest.passedOver >= settings.maxRows()) {
            taken.add(queue.poll());
            shortest = oldest.frames();
            longest = oldest.frames();
        } else {
            Job first = active.stream().min(BY_SERVICE).orElseThrow();
            shortest = first.frames();
            longest = first.frames();
        }
        Iterator<Job> it = queue.iterator();
        for (int scanned = 0; taken.size() < free && it.hasNext() && scanned < LOOKAHEAD * settings.maxRows(); scanned++) {
            Job j = it.next();
            int s = Math.min(shortest, j.frames());
            int l = Math.max(longest, j.frames());
            if (l <= paddedLimit(s)) {
                it.remove();
                taken.add(j);
                shortest = s;
                longest = l;
            }
        }
        while (taken.size() < free && !queue.isEmpty()) {
            taken.add(queue.poll());
        }
        if (!queue.isEmpty() && queue.peek() == oldest) {
            oldest.passedOver++;
        }
        return taken;
    }

    /** Fails queued requests whose deadline passed and forgets cancelled ones (lock held). */
    private void dropQueued() {
        long now = System.nanoTime();
        for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (ended(job, now)) {
                it.remove();
            }
        }
    }

    /** Drops active requests that were cancelled or expired. */
    private void dropFinishedEarly() {
        long now = System.nanoTime();
        active.removeIf(job -> ended(job, now));
        activeCount = active.size();
    }

    /** Whether a request was cancelled or has just failed its deadline (then failed here). */
    private boolean ended(Job job, long now) {
        if (job.future.isCancelled()) {
            metrics.request(EngineMetrics.Outcome.CANCELLED);
            return true;
        }
        if (job.future.isDone()) {
            return true;
        }
        if (now >= job.deadlineNanos) {
            metrics.request(EngineMetrics.Outcome.DEADLINE);
            job.future.completeExceptionally(new DeadlineExceededException("the deadline "
                    + job.request.deadline() + " passed after " + (job.started() ? "the request started" : "waiting")));
            return true;
        }
        return false;
    }

    /**
     * Holds the first pass of newly admitted requests up to {@code maxWait} after the earliest of them
     * arrived, so that requests arriving together start together; running requests never wait.
     */
    private void waitForCompany() throws InterruptedException {
        if (settings.maxWait().isZero() || active.stream().anyMatch(Job::started)) {
            return;
        }
        long oldest = active.stream().mapToLong(j -> j.submittedNanos).min().orElseThrow();
        long until = oldest + settings.maxWait().toNanos();
        lock.lock();
        try {
            long left;
            while (active.size() + queue.size() < settings.maxRows() && (left = until - System.nanoTime()) > 0
                    && !closing) {
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
        admit();
    }

    /**
     * The next pass's rows: the least served request, then others in order of service, as long as the
     * group stays within {@code maxRows} and the memory bound and no row is padded by more than
     * {@link #PADDING_FRACTION} of its frames plus {@link #PADDING_SLACK} frames. Rows in submission
     * order, so an unchanged group is recognised by the sampler and stays on the device.
     */
    private List<Job> pickGroup() {
        List<Job> byService = new ArrayList<>(active);
        byService.sort(BY_SERVICE);
        List<Job> group = new ArrayList<>();
        int longest = 0;
        int shortest = Integer.MAX_VALUE;
        for (Job j : byService) {
            if (group.size() == settings.maxRows()) {
                break;
            }
            int f = Math.max(longest, j.frames());
            int s = Math.min(shortest, j.frames());
            if (!group.isEmpty() && ((long) (group.size() + 1) * f > maxPositions || f > paddedLimit(s))) {
                continue;
            }
            group.add(j);
            longest = f;
            shortest = s;
        }
        group.sort(Comparator.comparingLong(j -> j.id));
        return group;
    }

    /** The most frames a row of {@code frames} frames may be padded to. */
    static long paddedLimit(int frames) {
        return (long) Math.floor(frames * (1 + PADDING_FRACTION)) + PADDING_SLACK;
    }

    private void runPass(List<Job> group) {
        List<DecodeRow> rows = new ArrayList<>(group.size());
        int frames = 0;
        for (Job j : group) {
            rows.add(j.row());
            frames = Math.max(frames, j.frames());
        }
        int[] levels = new int[group.size()];
        int[] iterations = new int[group.size()];
        for (int i = 0; i < rows.size(); i++) {
            levels[i] = rows.get(i).level();
            iterations[i] = rows.get(i).iteration();
        }
        long start = System.nanoTime();
        for (Job j : group) {
            j.markStarted(start);
        }
        try {
            sampler.pass(rows, frames);
        } catch (RuntimeException e) {
            // the device state of this group is unknown: fail its requests, start the next pass afresh
            sampler.release();
            for (Job j : group) {
                fail(j, new GenerationFailedException("the forward pass failed: " + e.getMessage(), e));
            }
            return;
        }
        long end = System.nanoTime();
        metrics.pass(group.size(), (long) group.size() * frames);
        for (int i = 0; i < group.size(); i++) {
            Job j = group.get(i);
            j.served += end - start;
            try {
                if (j.afterPass(levels[i], iterations[i])) {
                    active.remove(j);
                    metrics.request(EngineMetrics.Outcome.OK);
                    metrics.finished((end - j.submittedNanos) / 1e9);
                    j.future.complete(j.result(end));
                }
            } catch (RuntimeException e) {
                fail(j, new GenerationFailedException("the request's listener threw: " + e, e));
            }
        }
        activeCount = active.size();
    }

    private void fail(Job job, GenerationRejectedException why) {
        active.remove(job);
        metrics.request(EngineMetrics.Outcome.FAILED);
        job.future.completeExceptionally(why);
    }

    /** The scheduler died (an Error, or a bug): fail everything taken and refuse the rest. */
    private void stop(Throwable cause) {
        List<Job> all = new ArrayList<>(active);
        lock.lock();
        try {
            closing = true;
            broken = cause;
            all.addAll(queue);
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        active.clear();
        activeCount = 0;
        for (Job j : all) {
            metrics.request(EngineMetrics.Outcome.FAILED);
            j.future.completeExceptionally(new GenerationFailedException("the engine stopped: " + cause, cause));
        }
        sampler.release();
    }

    /**
     * Stops taking requests, finishes every request already taken (queued or generating), then returns;
     * the caller may close the backend afterwards. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == scheduler) {
            throw new IllegalStateException("close() from the engine's own thread (a listener) would never return");
        }
        boolean interrupted = false;
        while (scheduler.isAlive()) {
            try {
                scheduler.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        sampler.release();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
