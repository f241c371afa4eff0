package org.soundstorm4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.Progress;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.StepPlan;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/** The engine on a small random model on the CPU backend: batching exactness and every way a request ends. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GenerationEngineTest {
    /** Six levels, 16 codes, 10 semantic ids, ratio 1. */
    private static final ModelConfig MODEL = new ModelConfig(16, 1, 2, 8, 2, 1, 5, 6, 16, 10, 1, LogitHead.PROJECTED);

    @TempDir
    static Path tmp;
    private static Path dir;

    @BeforeAll
    static void model() {
        dir = TestModels.random(tmp.resolve("m"), MODEL, 4);
    }

    private static SoundStorm load(EngineSettings settings) {
        return SoundStorm.load(dir, new CpuBackend(1), settings);
    }

    /** A random request: 1..40 ids, maybe a prompt, maybe long-form windows, a random config and seed. */
    private static GenerationRequest randomRequest(SplittableRandom r) {
        Utterance u = Utterance.of(r.ints(1 + r.nextInt(40), 0, 10).toArray());
        if (r.nextInt(3) == 0) {
            int frames = 1 + r.nextInt(4);
            int[][] tokens = new int[frames][];
            for (int t = 0; t < frames; t++) {
                tokens[t] = r.ints(6, 0, 16).toArray();
            }
            u = u.withPrompt(r.ints(frames, 0, 10).toArray(), tokens);
        }
        GenerationConfig c = switch (r.nextInt(3)) {
            case 0 -> GenerationConfig.paper();
            case 1 -> GenerationConfig.fast();
            default -> GenerationConfig.paper().withSteps(StepPlan.explicit(5, 2, 1, 3, 1, 1)).withTopK(3)
                    .withTemperature(0.7f);
        };
        if (r.nextInt(4) == 0) {
            c = c.withWindow(16, 4);
        }
        return GenerationRequest.of(u, c.withSeed(r.nextLong()));
    }

    @Test
    void thirtyTwoThreadsSubmittingRandomRequestsEachGetTheirSoloTokens() throws Exception {
        SplittableRandom random = new SplittableRandom(20261203);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            requests.add(randomRequest(random));
        }
        List<int[][]> solo = new ArrayList<>();
        try (SoundStorm alone = load(EngineSettings.defaults().withMaxRows(1))) {
            for (GenerationRequest q : requests) {
                solo.add(alone.engine().submit(q).join().tokens());
            }
            assertEquals(1.0, alone.engine().metrics().meanRowsPerPass(), "one row per pass");
        }
        try (SoundStorm shared = load(EngineSettings.defaults().withMaxRows(8).withMaxWait(Duration.ofMillis(5)))) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<int[][]>> results = new ArrayList<>();
            for (GenerationRequest q : requests) {
                results.add(pool.submit(() -> {
                    go.await();
                    return shared.engine().submit(q).join().tokens();
                }));
            }
            go.countDown();
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(solo.get(i), results.get(i).get(), "request " + i + " batched differs from alone");
            }
            pool.shutdown();
            EngineMetrics m = shared.engine().metrics();
            assertEquals(requests.size(), m.requests(EngineMetrics.Outcome.OK));
            assertTrue(m.meanRowsPerPass() > 1.5, "rows per pass " + m.meanRowsPerPass() + ": the requests shared passes");
        }
    }

    @Test
    void aMixedLengthQueueFillsEachPassWithRowsOfOneLength() {
        // short and long requests alternating in the queue: taken in queue order, every pass would hold
        // half its rows; admission takes the oldest and the waiting rows of its length with it
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int ids = i % 2 == 0 ? 6 : 60;
            requests.add(GenerationRequest.of(Utterance.of(new SplittableRandom(i).ints(ids, 0, 10).toArray()),
                    GenerationConfig.fast().withSeed(i)));
        }
        try (SoundStorm model = load(EngineSettings.defaults().withMaxRows(8))) {
            model.engine().submitAll(requests).forEach(CompletableFuture::join);
            EngineMetrics m = model.engine().metrics();
            assertEquals(8.0, m.meanRowsPerPass(), "rows per pass over " + m.passes() + " passes");
        }
    }

    @Test
    void aRequestPassedOverForRowsOfTheRunningLengthGoesFirstAfterMaxRowsRounds() {
        // 2 rows. Short 0 (paper: many passes) and short 1 (fast: 6 passes) start together; the long
        // request 2 is then the oldest waiting, but each row that frees goes to a short one (3, then 4)
        // that can share short 0's passes, until request 2 has been passed over in 2 rounds
        List<GenerationRequest> requests = new ArrayList<>();
        List<Integer> firstPasses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 7; i++) {
            int id = i;
            GenerationConfig c = i == 0 ? GenerationConfig.paper() : GenerationConfig.fast();
            requests.add(GenerationRequest.of(Utterance.of(new SplittableRandom(i).ints(i == 2 ? 60 : 6, 0, 10).toArray()),
                    c.withSeed(i)).withListener(new GenerationListener() {
                        @Override
                        public void onPass(Progress p) {
                            if (p.passesDone() == 1) {
                                firstPasses.add(id);
                            }
                        }
                    }));
        }
        try (SoundStorm model = load(EngineSettings.defaults().withMaxRows(2))) {
            model.engine().submitAll(requests).forEach(CompletableFuture::join);
        }
        assertEquals(List.of(0, 1, 3, 4, 2), List.copyOf(firstPasses.subList(0, 5)), "first passes: " + firstPasses);
    }

    @Test
    void aCancelledRequestLeavesAtTheNextPassAndDisturbsNoOther() {
        GenerationRequest other = GenerationRequest.of(Utterance.of(new int[] {1, 2, 3, 4, 5, 6, 7}),
                GenerationConfig.paper().withSeed(3));
        int[][] expected;
        try (SoundStorm alone = load(EngineSettings.defaults())) {
            expected = alone.engine().submit(other).join().tokens();
        }
        try (SoundStorm model = load(EngineSettings.defaults().withMaxWait(Duration.ofMillis(50)))) {
            List<Progress> passesOfCancelled = new ArrayList<>();
            CompletableFuture<Generation>[] self = new CompletableFuture[1];
            CountDownLatch submitted = new CountDownLatch(1);
            GenerationListener cancelAfterThree = new GenerationListener() {
                @Override
                public void onPass(Progress p) {
                    passesOfCancelled.add(p);
                    if (p.passesDone() == 3) {
                        await(submitted);
                        self[0].cancel(true);
                    }
                }
            };
            self[0] = model.engine().submit(GenerationRequest.of(Utterance.of(new int[] {9, 8, 7, 6, 5, 4, 3, 2}),
                    GenerationConfig.paper()).withListener(cancelAfterThree));
            submitted.countDown();
            CompletableFuture<Generation> kept = model.engine().submit(other);
            assertArrayEquals(expected, kept.join().tokens());
            assertThrows(CancellationException.class, self[0]::join);
            assertEquals(3, passesOfCancelled.size(), "no pass after the cancel");
            assertEquals(1, model.engine().metrics().requests(EngineMetrics.Outcome.CANCELLED));
        }
    }

    @Test
    void deadlinesFailTheRequestWhetherPassedAtSubmissionOrDuringGeneration() {
        try (SoundStorm model = load(EngineSettings.defaults())) {
            GenerationRequest late = GenerationRequest.of(Utterance.of(new int[] {1, 2, 3}), GenerationConfig.fast())
                    .withDeadline(Instant.now().minusSeconds(1));
            CompletableFuture<Generation> f = model.engine().submit(late);
            assertTrue(f.isCompletedExceptionally(), "refused at once");
            assertInstanceOf(DeadlineExceededException.class, cause(f));

            GenerationListener slow = new GenerationListener() {
                @Override
                public void onPass(Progress p) {
                    sleep(30);
                }
            };
            CompletableFuture<Generation> g = model.engine().submit(GenerationRequest.of(Utterance.of(new int[] {1, 2, 3,
                    4, 5, 6, 7, 8}), GenerationConfig.paper()).withListener(slow)
                    .withDeadline(Instant.now().plusMillis(200)));
            DeadlineExceededException e = assertInstanceOf(DeadlineExceededException.class, cause(g));
            assertTrue(e.getMessage().contains("after the request started"), e.getMessage());
            assertEquals(2, model.engine().metrics().requests(EngineMetrics.Outcome.DEADLINE));
            // the engine goes on
            assertEquals(3, model.engine().submit(GenerationRequest.of(Utterance.of(new int[] {1, 2, 3}),
                    GenerationConfig.fast())).join().frames());
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndTheTakenRequestsStillFinish() {
        try (SoundStorm model = load(EngineSettings.defaults().withMaxRows(1).withMaxQueued(1))) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            GenerationListener hold = new GenerationListener() {
                @Override
                public void onPass(Progress p) {
                    running.countDown();
                    await(release);
                }
            };
            GenerationRequest short3 = GenerationRequest.of(Utterance.of(new int[] {1, 2, 3}), GenerationConfig.fast());
            CompletableFuture<Generation> first = model.engine().submit(short3.withListener(hold));
            await(running);
            CompletableFuture<Generation> queued = model.engine().submit(short3);
            CompletableFuture<Generation> refused = model.engine().submit(short3);
            QueueFullException e = assertInstanceOf(QueueFullException.class, cause(refused));
            assertTrue(e.getMessage().contains("1 requests waiting"), e.getMessage());
            assertEquals(1, model.engine().queueDepth());
            assertTrue(model.engine().metrics().prometheus().contains("soundstorm_queue_depth 1\n"));
            release.countDown();
            assertEquals(3, first.join().frames());
            assertEquals(3, queued.join().frames());
            assertEquals(1, model.engine().metrics().requests(EngineMetrics.Outcome.QUEUE_FULL));
        }
    }

    @Test
    void closingFinishesEveryRequestTakenAndRefusesNewOnes() {
        SoundStorm model = load(EngineSettings.defaults().withMaxRows(2));
        List<CompletableFuture<Generation>> taken = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 6; i++) {
            taken.add(model.engine().submit(randomRequest(r)));
        }
        GenerationEngine engine = model.engine();
        model.close();
        for (CompletableFuture<Generation> f : taken) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally(), "finished before close returned");
        }
        assertInstanceOf(EngineClosedException.class, cause(engine.submit(randomRequest(r))));
        assertThrows(IllegalStateException.class, model::engine);
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndPositionAndAFailingListenerFailsOnlyItsRequest() {
        try (SoundStorm model = load(EngineSettings.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.engine()
                    .submit(GenerationRequest.of(Utterance.of(new int[] {1, 12, 3}), GenerationConfig.fast())));
            assertEquals("semantic id 12 at 1 out of range [0, 10)", e.getMessage());
            assertEquals(1, model.engine().metrics().requests(EngineMetrics.Outcome.BAD_INPUT));

            GenerationListener broken = new GenerationListener() {
                @Override
                public void onWindow(int offset, int[][] tokens) {
                    throw new IllegalStateException("listener bug");
                }
            };
            GenerationRequest ok = GenerationRequest.of(Utterance.of(new int[] {4, 5}), GenerationConfig.fast());
            CompletableFuture<Generation> failing = model.engine().submit(ok.withListener(broken));
            CompletableFuture<Generation> fine = model.engine().submit(ok);
            GenerationFailedException f = assertInstanceOf(GenerationFailedException.class, cause(failing));
            assertTrue(f.getMessage().contains("listener bug"), f.getMessage());
            assertEquals(2, fine.join().frames());
        }
    }

    @Test
    void aWindowLargerThanTheMemoryBoundIsBadInput() {
        long perPosition = org.soundstorm4j.model.Conformer.bytesPerPosition(MODEL);
        try (SoundStorm model = load(EngineSettings.defaults().withDeviceMemoryBytes(10 * perPosition))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.engine()
                    .submit(GenerationRequest.of(Utterance.of(new int[11]), GenerationConfig.fast())));
            assertTrue(e.getMessage().contains("window 0 has 11 frames, more than the 10 positions"), e.getMessage());
            assertEquals(10, model.engine().submit(GenerationRequest.of(Utterance.of(new int[10]),
                    GenerationConfig.fast())).join().frames());
        }
    }

    private static Throwable cause(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(1, TimeUnit.MINUTES), "latch");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
