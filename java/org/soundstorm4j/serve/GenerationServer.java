package org.soundstorm4j.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.soundstorm4j.engine.DeadlineExceededException;
import org.soundstorm4j.engine.EngineClosedException;
import org.soundstorm4j.engine.Generation;
import org.soundstorm4j.engine.GenerationEngine;
import org.soundstorm4j.engine.GenerationListener;
import org.soundstorm4j.engine.GenerationRequest;
import org.soundstorm4j.engine.QueueFullException;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.model.ModelConfig;

/**
 * HTTP over a {@link GenerationEngine}, on the JDK's built-in server with one virtual thread per
 * exchange (a request mostly waits for the engine, so threads cost nothing while it does; the JDK
 * server needs no dependency and is enough for JSON in and out):
 * <ul>
 *   <li>{@code POST /v1/generate}: a {@link GenerateBody}; 200 {@code application/json} with the tokens,
 *       or, with {@code Accept: application/x-ndjson}, one line per finished window as it finishes
 *       (chunked) and a closing line, or, with {@code Accept: audio/wav} and a codec, the audio as a
 *       16-bit PCM WAV sent as each window is decoded ({@link WavReply}; 406 without a codec). 400 bad
 *       input, 413 body over the limit, 429 queue full, 503 shutting down, 504 deadline.</li>
 *   <li>{@code GET /healthz}: 200 {@code ok} while the model is loaded and the server takes work.</li>
 *   <li>{@code GET /metrics}: the engine's {@link org.soundstorm4j.engine.EngineMetrics} in the
 *       Prometheus text format.</li>
 * </ul>
 * A client that disconnects while its reply is written has its request cancelled: its row leaves
 * the batch at the next pass.
 */
public final class GenerationServer implements AutoCloseable {
    static final String JSON = "application/json";
    static final String NDJSON = "application/x-ndjson";
    static final String WAV = "audio/wav";

    private final GenerationEngine engine;
    private final ModelConfig model;
    /** Decodes {@code audio/wav} replies; null when the server has no codec (406). */
    private final Codec codec;
    private final long maxBodyBytes;
    private final HttpServer http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean stopping;

    /**
     * Starts serving on {@code host:port} (port 0: a free one, see {@link #port}).
     *
     * @param model        the engine's model (its levels, and how a codec's levels line up with them)
     * @param codec        decodes {@code audio/wav} replies, or null for none; the caller keeps owning it
     * @param maxBodyBytes larger bodies get 413 without being read
     * @throws IllegalArgumentException if the codec's levels or codebook do not line up with the model's
     */
    public GenerationServer(GenerationEngine engine, ModelConfig model, Codec codec, String host, int port,
                            long maxBodyBytes) throws IOException {
        if (codec != null) {
            model.codecPairing().check(model, codec.config().nQ(), codec.config().codebookSize());
        }
        this.engine = engine;
        this.model = model;
        this.codec = codec;
        this.maxBodyBytes = maxBodyBytes;
        this.http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.setExecutor(threads);
        http.createContext("/v1/generate", this::generate);
        http.createContext("/healthz", this::healthz);
        http.createContext("/metrics", this::metrics);
        http.start();
    }

    private int levels() {
        return model.numQuantizers();
    }

    /** The port the server listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    private void healthz(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("GET")) {
                send(x, 405, "text/plain", "use GET\n");
            } else if (stopping) {
                send(x, 503, "text/plain", "shutting down\n");
            } else {
                send(x, 200, "text/plain", "ok\n");
            }
        }
    }

    private void metrics(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("GET")) {
                send(x, 405, "text/plain", "use GET\n");
            } else {
                send(x, 200, "text/plain; version=0.0.4", engine.metrics().prometheus());
            }
        }
    }

    private void generate(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("POST")) {
                error(x, 405, "use POST with a JSON body");
                return;
            }
            if (stopping) {
                error(x, 503, "the server is shutting down");
                return;
            }
            String text = body(x);
            if (text == null) {
                error(x, 413, "the body is over the limit of " + maxBodyBytes + " bytes");
                return;
            }
            String format = accepts(x, WAV) ? WAV : accepts(x, NDJSON) ? NDJSON : JSON;
            if (format.equals(WAV) && codec == null) {
                error(x, 406, "audio/wav needs a codec: start the server with --codec DIR");
                return;
            }
            GenerateBody body;
            CompletableFuture<Generation> future;
            WindowQueue windows = new WindowQueue();
            try {
                body = GenerateBody.parse(text);
                GenerationRequest request = new GenerationRequest(body.utterance(), body.config(),
                        body.timeout() == null ? null : Instant.now().plus(body.timeout()),
                        format.equals(JSON) ? GenerationListener.NONE : windows);
                future = engine.submit(request);
            } catch (IllegalArgumentException e) {
                error(x, 400, e.getMessage());
                return;
            }
            windows.endWith(future);
            try {
                switch (format) {
                    case WAV -> WavReply.send(x, future, windows, codec, model, body.utterance().semantic());
                    case NDJSON -> stream(x, future, windows);
                    default -> reply(x, future);
                }
            } catch (IOException e) {
                // the client went away: its row leaves the batch at the next pass
                future.cancel(true);
                throw e;
            } catch (RuntimeException e) {
                // the reply failed (a codec error): a status if nothing was sent yet, else a cut-short reply
                future.cancel(true);
                if (x.getResponseCode() != -1) {
                    throw e;
                }
                error(x, 500, "the reply failed: " + e.getMessage());
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The whole result as one JSON object. */
    private void reply(HttpExchange x, CompletableFuture<Generation> future) throws IOException {
        Generation g;
        try {
            g = future.join();
        } catch (CompletionException e) {
            error(x, status(e.getCause()), e.getCause().getMessage());
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tokens", List.of(g.tokens()));
        out.put("frames", g.frames());
        out.put("levels", levels());
        out.put("passes", g.passes());
        out.put("queued_ms", g.queued().toNanos() / 1e6);
        out.put("generate_ms", g.generating().toNanos() / 1e6);
        send(x, 200, JSON, Json.writeLine(out) + "\n");
    }

    /** One line per window as it is final, then a closing line (or an error line). */
    private void stream(HttpExchange x, CompletableFuture<Generation> future, WindowQueue windows)
            throws IOException, InterruptedException {
        // the first window's wait is where a refused request shows: answer those with a status
        WindowQueue.Window first = windows.take();
        if (first == null && future.isCompletedExceptionally()) {
            Throwable cause = cause(future);
            error(x, status(cause), cause.getMessage());
            return;
        }
        x.getResponseHeaders().set("Content-Type", NDJSON);
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        for (WindowQueue.Window w = first; w != null; w = windows.take()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("window", w.index());
            line.put("frame_offset", w.frameOffset());
            line.put("tokens", List.of(w.tokens()));
            out.write((Json.writeLine(line) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        Map<String, Object> last = new LinkedHashMap<>();
        if (future.isCompletedExceptionally()) {
            last.put("error", cause(future).getMessage());
            last.put("status", status(cause(future)));
        } else {
            Generation g = future.join();
            last.put("done", true);
            last.put("frames", g.frames());
            last.put("levels", levels());
            last.put("passes", g.passes());
            last.put("queued_ms", g.queued().toNanos() / 1e6);
            last.put("generate_ms", g.generating().toNanos() / 1e6);
        }
        out.write((Json.writeLine(last) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Why a completed future failed. */
    static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            throw new IllegalStateException("not failed");
        } catch (CompletionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** The HTTP status of a failed request. */
    static int status(Throwable cause) {
        return switch (cause) {
            case QueueFullException q -> 429;
            case EngineClosedException c -> 503;
            case DeadlineExceededException d -> 504;
            case IllegalArgumentException i -> 400;
            default -> 500;
        };
    }

    private static boolean accepts(HttpExchange x, String type) {
        List<String> accept = x.getRequestHeaders().get("Accept");
        return accept != null && accept.stream().anyMatch(a -> a.contains(type));
    }

    /** The body as UTF-8, or null when it is over the limit (read no further than the limit). */
    private String body(HttpExchange x) throws IOException {
        String length = x.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = x.getRequestBody()) {
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) {
                buf.write(chunk, 0, n);
                if (buf.size() > maxBodyBytes) {
                    return null;
                }
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    static void error(HttpExchange x, int status, String message) throws IOException {
        send(x, status, JSON, Json.writeLine(Map.of("error", message == null ? "" : message)) + "\n");
    }

    private static void send(HttpExchange x, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Stops taking requests (503 from now on), closes the engine, which finishes every request it has,
     * waits up to {@code graceSeconds} for their replies to be written, then stops listening.
     */
    public void shutdown(int graceSeconds) {
        stopping = true;
        engine.close();
        http.stop(graceSeconds);
        threads.shutdown();
        try {
            threads.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
