package org.soundstorm4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.soundstorm4j.GenerationConfig;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.engine.EngineMetrics;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.io.Json;

/** The HTTP layer on the trained model, on 127.0.0.1 and a free port. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GenerationServerTest {
    private static final Path TRAINED = Path.of("weights/trained");
    private static SoundStorm model;
    private static GenerationServer server;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        model = SoundStorm.load(TRAINED, new CpuBackend(2), EngineSettings.defaults().withMaxWait(Duration.ofMillis(20)));
        server = new GenerationServer(model.engine(), model.config(), null, "127.0.0.1", 0, 64 << 10);
    }

    @AfterAll
    static void stop() {
        server.shutdown(2);
        model.close();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> post(String body, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/generate")).POST(HttpRequest.BodyPublishers.ofString(body));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int[] ids(SplittableRandom r, int n) {
        return r.ints(n, 0, model.config().numSemanticTokens()).toArray();
    }

    /** {"tokens": [[...]...]} as int[frames][levels]. */
    private static int[][] tokens(Object json) {
        List<?> frames = (List<?>) ((Map<?, ?>) json).get("tokens");
        return frames.stream().map(f -> ((List<?>) f).stream().mapToInt(v -> ((Long) v).intValue()).toArray())
                .toArray(int[][]::new);
    }

    private static long metric(String series) throws Exception {
        String text = CLIENT.send(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError(series + " not in /metrics:\n" + text);
    }

    @Test
    void sixteenConcurrentRequestsEachGetTheTokensGenerateGivesAndMetricsCountThem() throws Exception {
        SplittableRandom r = new SplittableRandom(16);
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            inputs.add(ids(r, 10 + r.nextInt(60)));
        }
        long okBefore = metric("soundstorm_requests_total{outcome=\"ok\"}");
        long passesBefore = metric("soundstorm_passes_total");
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String body = Json.writeLine(Map.of("semantic", inputs.get(i), "seed", (long) i));
            replies.add(CLIENT.sendAsync(HttpRequest.newBuilder(uri("/v1/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 16; i++) {
            HttpResponse<String> reply = replies.get(i).join();
            assertEquals(200, reply.statusCode(), reply.body());
            assertEquals("application/json", reply.headers().firstValue("Content-Type").orElseThrow());
            Map<?, ?> json = (Map<?, ?>) Json.parse(reply.body());
            int[][] expected = model.generate(Utterance.of(inputs.get(i)), GenerationConfig.paper().withSeed(i)).sequence(0);
            assertArrayEquals(expected, tokens(json), "request " + i);
            assertEquals((long) expected.length, json.get("frames"));
            assertEquals((long) model.config().numQuantizers(), json.get("levels"));
        }
        // each generate above is one more request
        assertEquals(okBefore + 32, metric("soundstorm_requests_total{outcome=\"ok\"}"));
        long passes = metric("soundstorm_passes_total") - passesBefore;
        assertTrue(passes < 16 * 19 + 16 * 19, passes + " passes: the HTTP requests shared passes");
    }

    @Test
    void badRequestsGetA400NamingTheFieldAndOversizedBodiesA413() throws Exception {
        String[][] cases = {
            {"{\"semantic\": [1, 2", "invalid JSON at offset"},
            {"[1, 2]", "the body must be a JSON object"},
            {"{}", "\"semantic\" is required"},
            {"{\"semantic\": [1, \"two\"]}", "\"semantic[1]\" must be a 32-bit integer, got \"two\""},
            {"{\"semantic\": [1, 2.5]}", "\"semantic[1]\" must be a 32-bit integer, got 2.5"},
            {"{\"semantic\": [1, 99999]}", "semantic id 99999 at 1 out of range"},
            {"{\"semantic\": [1], \"temperature\": \"hot\"}", "\"temperature\" must be a number"},
            {"{\"semantic\": [1], \"temperature\": 0}", "temperature must be a positive number"},
            {"{\"semantic\": [1], \"preset\": \"slow\"}", "preset must be paper or fast, not 'slow'"},
            {"{\"semantic\": [1], \"steps\": [1, 1]}", "steps: 2 entries given, the model has 4 levels"},
            {"{\"semantic\": [1], \"speed\": 2}", "unknown field \"speed\""},
            {"{\"semantic\": [1], \"prompt_semantic\": [1]}", "\"prompt_semantic\" and \"prompt_acoustic\" go together"},
            {"{\"semantic\": [1], \"prompt_semantic\": [1], \"prompt_acoustic\": [[1, 2], [1, 2, 3, 4]]}",
                "prompt frame 0 has 2 levels, the model has 4"},
            {"{\"semantic\": [1], \"top_k\": -1}", "topK must be >= 0"},
        };
        for (String[] c : cases) {
            HttpResponse<String> reply = post(c[0], null);
            assertEquals(400, reply.statusCode(), c[0] + " -> " + reply.body());
            String error = (String) ((Map<?, ?>) Json.parse(reply.body())).get("error");
            assertTrue(error.contains(c[1]), c[0] + " -> " + error);
        }
        int[] big = new int[40_000];
        HttpResponse<String> reply = post(Json.writeLine(Map.of("semantic", big)), null);
        assertEquals(413, reply.statusCode(), reply.body());
        HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(uri("/v1/generate")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        HttpResponse<String> wav = post("{\"semantic\": [1, 2]}", "audio/wav");
        assertEquals(406, wav.statusCode(), wav.body());
        assertTrue(wav.body().contains("needs a codec"), wav.body());
        assertEquals(200, CLIENT.send(HttpRequest.newBuilder(uri("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void concurrentStreamsSendEveryWindowAsItFinishesAndTheWindowsMakeTheWholeResult() throws Exception {
        SplittableRandom r = new SplittableRandom(4);
        List<int[]> inputs = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] semantic = ids(r, 40 + 10 * i);
            inputs.add(semantic);
            String body = Json.writeLine(Map.of("semantic", semantic, "seed", 7L, "preset", "fast", "window", 16,
                    "window_prompt", 4));
            replies.add(CLIENT.sendAsync(HttpRequest.newBuilder(uri("/v1/generate")).header("Accept", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> reply = replies.get(i).join();
            assertEquals(200, reply.statusCode(), reply.body());
            String[] lines = reply.body().split("\n");
            List<int[]> frames = new ArrayList<>();
            for (int l = 0; l < lines.length - 1; l++) {
                Map<?, ?> window = (Map<?, ?>) Json.parse(lines[l]);
                assertEquals((long) l, window.get("window"));
                assertEquals((long) frames.size(), window.get("frame_offset"));
                frames.addAll(Arrays.asList(tokens(window)));
            }
            assertTrue(lines.length > 3, "several windows: " + lines.length + " lines");
            Map<?, ?> last = (Map<?, ?>) Json.parse(lines[lines.length - 1]);
            assertEquals(true, last.get("done"));
            int[][] expected = model.generate(Utterance.of(inputs.get(i)),
                    GenerationConfig.fast().withSeed(7).withWindow(16, 4)).sequence(0);
            assertArrayEquals(expected, frames.toArray(int[][]::new), "stream " + i);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamHasItsRequestCancelled() throws Exception {
        long cancelledBefore = model.engine().metrics().requests(EngineMetrics.Outcome.CANCELLED);
        String body = Json.writeLine(Map.of("semantic", new int[600], "window", 8, "window_prompt", 2));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream out = s.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/x-ndjson\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("HTTP/1.1 200"));
            String line;
            while ((line = in.readLine()) != null && !line.contains("\"window\":0")) {
                // headers and the first chunk's size
            }
            assertTrue(line != null, "the first window arrived");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (model.engine().metrics().requests(EngineMetrics.Outcome.CANCELLED) == cancelledBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(cancelledBefore + 1, model.engine().metrics().requests(EngineMetrics.Outcome.CANCELLED),
                "the request left the engine");
        assertEquals(0, metric("soundstorm_active_rows"));
        // and the server still serves
        assertEquals(200, post("{\"semantic\": [1, 2, 3], \"preset\": \"fast\"}", null).statusCode());
    }

    @Test
    void aPassedTimeoutIsA504() throws Exception {
        HttpResponse<String> reply = post(Json.writeLine(Map.of("semantic", new int[400], "timeout_ms", 1)), null);
        assertEquals(504, reply.statusCode(), reply.body());
        assertTrue(reply.body().contains("deadline"), reply.body());
    }

    @Test
    void statusesOfTheEngineRefusals() {
        assertEquals(429, GenerationServer.status(newInstance("QueueFullException")));
        assertEquals(503, GenerationServer.status(newInstance("EngineClosedException")));
        assertEquals(504, GenerationServer.status(newInstance("DeadlineExceededException")));
        assertEquals(400, GenerationServer.status(new IllegalArgumentException("x")));
        assertEquals(500, GenerationServer.status(new IllegalStateException("x")));
    }

    private static Throwable newInstance(String simpleName) {
        try {
            var c = Class.forName("org.soundstorm4j.engine." + simpleName).getDeclaredConstructor(String.class);
            c.setAccessible(true);
            return (Throwable) c.newInstance("x");
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
