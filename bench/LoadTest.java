import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.engine.EngineMetrics;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.serve.GenerationServer;

/**
 * Load on {@code serve}'s HTTP layer beside the same requests through one {@code SoundStorm} called
 * one at a time (docs/BENCHMARKS.md, "Serving"). Run from the repository root after
 * {@code mvn -B -q package -DskipTests}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/soundstorm4j.jar bench/LoadTest.java \
 *     --weights weights/trained [--backend cpu] [--requests 64] [--clients 1,4,16,64] \
 *     [--frames 100] [--long-frames 1500] [--mixed-requests 40 (0: no mixed load)] [--max-batch 16] \
 *     [--max-wait-ms 2] [--latencies true (every request's latency, sorted, on stderr)]
 * </pre>
 *
 * Request {@code i} is {@code frames} codec frames of random semantic ids (seed {@code i}) under the
 * paper preset with seed {@code i}; every HTTP reply is checked against the one-at-a-time tokens of
 * the same request, and the run fails if one differs. The server is in this process, on 127.0.0.1
 * and a free port, and stops when the run ends. Latency is measured at the client, from sending the
 * request to the last byte of the reply. The mixed load sends one {@code long-frames} request in
 * five from 16 clients and reports the short requests' p99 against their median latency alone.
 */
public class LoadTest {
    private final Map<String, String> opts;
    private final SoundStorm model;
    private final GenerationServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final int ratio;

    private LoadTest(Map<String, String> opts, SoundStorm model) throws Exception {
        this.opts = opts;
        this.model = model;
        this.server = new GenerationServer(model.engine(), model.config(), null, "127.0.0.1", 0, 16 << 20);
        this.ratio = model.config().semanticRateRatio();
    }

    private int num(String key, int fallback) {
        return Integer.parseInt(opts.getOrDefault(key, Integer.toString(fallback)));
    }

    /** One request: its codec frames and its seed (which also draws its semantic ids). */
    record Request(int frames, int seed) {
        int[] semantic(int ratio, int vocabulary) {
            return new SplittableRandom(seed).ints(frames / ratio, 0, vocabulary).toArray();
        }
    }

    /** What one load measured. */
    record Run(String load, int clients, int requests, double seconds, long frames, double[] latencyMs,
            double rowsPerPass) {
        double percentile(double p) {
            double[] sorted = latencyMs.clone();
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(p / 100 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }

        String row(double baselineRequestsPerSecond) {
            double rps = requests / seconds;
            return String.format("| %s | %d | %d | %.2f | %.0f | %.0f | %.0f | %.0f | %.2f | %s |", load, clients,
                    requests, rps, frames / seconds, percentile(50), percentile(95), percentile(99), rowsPerPass,
                    baselineRequestsPerSecond > 0 ? String.format("%.2fx", rps / baselineRequestsPerSecond) : "1x");
        }
    }

    private GenerationConfig config(Request r) {
        return GenerationConfig.paper().withSeed(r.seed());
    }

    private Utterance utterance(Request r) {
        return Utterance.of(r.semantic(ratio, model.config().numSemanticTokens()));
    }

    /** The requests one after the other through {@code SoundStorm.generate}; their tokens, by seed. */
    private Run oneAtATime(String load, List<Request> requests, Map<Integer, int[][]> tokens) {
        EngineMetrics m = model.engine().metrics();
        long passes = m.passes();
        long rows = m.rowsInPasses();
        double[] latency = new double[requests.size()];
        long frames = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            long s = System.nanoTime();
            int[][] out = model.generate(List.of(utterance(r)), config(r), p -> { }).sequence(0);
            latency[i] = (System.nanoTime() - s) / 1e6;
            tokens.put(r.seed(), out);
            frames += out.length;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(load, 1, requests.size(), seconds, frames, latency,
                (double) (m.rowsInPasses() - rows) / (m.passes() - passes));
    }

    private String body(Request r) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("semantic", r.semantic(ratio, model.config().numSemanticTokens()));
        b.put("preset", "paper");
        b.put("seed", r.seed());
        return Json.write(b);
    }

    /** The requests from {@code clients} concurrent HTTP clients, each reply checked against {@code expected}. */
    private Run overHttp(String load, int clients, List<Request> requests, Map<Integer, int[][]> expected,
            double[] latencyOut) throws Exception {
        EngineMetrics m = model.engine().metrics();
        long passes = m.passes();
        long rows = m.rowsInPasses();
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/generate");
        AtomicInteger next = new AtomicInteger();
        double[] latency = latencyOut != null ? latencyOut : new double[requests.size()];
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    long frames = 0;
                    for (int i = next.getAndIncrement(); i < requests.size(); i = next.getAndIncrement()) {
                        Request r = requests.get(i);
                        HttpRequest req = HttpRequest.newBuilder(uri)
                                .POST(HttpRequest.BodyPublishers.ofString(body(r))).build();
                        long s = System.nanoTime();
                        HttpResponse<String> reply = http.send(req, HttpResponse.BodyHandlers.ofString());
                        latency[i] = (System.nanoTime() - s) / 1e6;
                        if (reply.statusCode() != 200) {
                            throw new IllegalStateException("request " + i + ": HTTP " + reply.statusCode() + " "
                                    + reply.body());
                        }
                        int[][] got = tokens(Json.parse(reply.body()));
                        if (!Arrays.deepEquals(got, expected.get(r.seed()))) {
                            throw new IllegalStateException("request " + i + " (seed " + r.seed()
                                    + "): the served tokens differ from the one-at-a-time tokens");
                        }
                        frames += got.length;
                    }
                    return frames;
                }));
            }
            long frames = 0;
            for (Future<Long> f : done) {
                frames += f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Run(load, clients, requests.size(), seconds, frames, latency,
                    (double) (m.rowsInPasses() - rows) / (m.passes() - passes));
        }
    }

    private static int[][] tokens(Object json) {
        List<?> frames = (List<?>) ((Map<?, ?>) json).get("tokens");
        return frames.stream().map(f -> ((List<?>) f).stream().mapToInt(v -> ((Number) v).intValue()).toArray())
                .toArray(int[][]::new);
    }

    private static List<Request> uniform(int count, int frames, int firstSeed) {
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new Request(frames, firstSeed + i));
        }
        return out;
    }

    void run() throws Exception {
        int count = num("requests", 64);
        int frames = num("frames", 100);
        int longFrames = num("long-frames", 1500);
        int mixedCount = num("mixed-requests", 40);
        List<Request> shortOnes = uniform(count, frames, 0);
        Map<Integer, int[][]> expected = new java.util.HashMap<>();

        System.err.println("warm-up");
        for (Request r : uniform(3, frames, 1_000_000)) {
            model.generate(utterance(r), config(r));
        }
        System.err.println("one at a time: " + count + " requests of " + frames + " frames");
        Run solo = oneAtATime("one at a time", shortOnes, expected);
        double soloRps = solo.requests() / solo.seconds();
        List<Run> runs = new ArrayList<>(List.of(solo));
        for (String c : opts.getOrDefault("clients", "1,4,16,64").split(",")) {
            int clients = Integer.parseInt(c.trim());
            System.err.println("HTTP, " + clients + " clients");
            runs.add(overHttp("HTTP", clients, shortOnes, expected, null));
        }

        // mixed: one long request in five, one at a time, then from 16 clients, then without its long ones
        List<Request> mixed = new ArrayList<>();
        for (int i = 0; i < mixedCount; i++) {
            mixed.add(new Request(i % 5 == 0 ? longFrames : frames, 2_000_000 + i));
        }
        double[] mixedLatency = new double[mixed.size()];
        Run mixedSolo = null;
        Run withoutLong = null;
        if (!mixed.isEmpty()) {
            System.err.println("mixed load: one at a time");
            mixedSolo = oneAtATime("mixed, one at a time", mixed, expected);
            System.err.println("mixed load: HTTP, 16 clients");
            Run mixedHttp = overHttp("mixed, HTTP", 16, mixed, expected, mixedLatency);
            List<Request> mixedShort = mixed.stream().filter(r -> r.frames() == frames).toList();
            System.err.println("mixed load without its long requests: HTTP, 16 clients");
            withoutLong = overHttp("mixed minus its long requests, HTTP", 16, mixedShort, expected, null);
            runs.addAll(List.of(mixedSolo, mixedHttp, withoutLong));
        }

        System.out.println(model.backendDescription() + "; " + model.config().dim() + "-wide, "
                + model.config().depth() + " blocks, " + model.config().numQuantizers() + " levels; requests of "
                + frames + " frames (mixed: one of " + longFrames + " in five), paper preset");
        System.out.println();
        System.out.println("| load | clients | requests | req/s | frames/s | p50 ms | p95 ms | p99 ms | rows/pass | req/s vs one at a time |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Run r : runs) {
            System.out.println(r.row(r.load().startsWith("mixed,") ? mixedSolo.requests() / mixedSolo.seconds()
                    : soloRps));
            if (opts.containsKey("latencies")) {
                double[] sorted = r.latencyMs().clone();
                Arrays.sort(sorted);
                System.err.println(r.load() + ", " + r.clients() + " clients, latencies ms: " + Arrays.toString(sorted));
            }
        }
        System.out.println();
        Run at16 = runs.stream().filter(r -> r.clients() == 16 && r.load().equals("HTTP")).findFirst().orElse(null);
        if (at16 != null) {
            double ratio16 = at16.requests() / at16.seconds() / soloRps;
            System.out.printf("target 1, 16 clients >= 3x one at a time: %.2fx, %s%n", ratio16,
                    ratio16 >= 3 ? "holds" : "does not hold");
        }
        if (withoutLong != null) {
            double shortAlone = solo.percentile(50);
            double[] shortInMix = shortLatencies(mixed, mixedLatency, frames);
            Arrays.sort(shortInMix);
            double p99 = shortInMix[Math.max(0, (int) Math.ceil(0.99 * shortInMix.length) - 1)];
            System.out.printf("target 2, mixed-load p99 of %d-frame requests <= 3x their latency alone: %.0f ms vs"
                    + " %.0f ms for one request alone (median) = %.2fx, %s%n", frames, p99, shortAlone,
                    p99 / shortAlone, p99 <= 3 * shortAlone ? "holds" : "does not hold");
            double p99Without = withoutLong.percentile(99);
            System.out.printf("  the same %d-frame requests from 16 clients without the long ones: p99 %.0f ms, so the"
                    + " long requests cost them %.2fx%n", frames, p99Without, p99 / p99Without);
        }
        System.out.println("every served reply equal to its one-at-a-time tokens: yes");
    }

    private static double[] shortLatencies(List<Request> mixed, double[] latency, int frames) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < mixed.size(); i++) {
            if (mixed.get(i).frames() == frames) {
                out.add(latency[i]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        if (!opts.containsKey("weights")) {
            throw new IllegalArgumentException("--weights DIR is required");
        }
        EngineSettings settings = EngineSettings.defaults()
                .withMaxRows(Integer.parseInt(opts.getOrDefault("max-batch", "16")))
                .withMaxWait(java.time.Duration.ofMillis(Integer.parseInt(opts.getOrDefault("max-wait-ms", "2"))));
        try (SoundStorm model = SoundStorm.load(Path.of(opts.get("weights")),
                org.soundstorm4j.backend.Backends.create(opts.getOrDefault("backend", "cpu")), settings)) {
            LoadTest t = new LoadTest(opts, model);
            try {
                t.run();
            } finally {
                t.server.shutdown(1);
            }
        }
    }
}
