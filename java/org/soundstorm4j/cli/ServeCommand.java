package org.soundstorm4j.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.backend.Backends;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.serve.GenerationServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code serve}: the HTTP server over one model's engine, until SIGTERM or SIGINT: then it stops
 * taking requests, finishes those in flight and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "HTTP server: POST /v1/generate, GET /healthz, GET /metrics (docs/ARCHITECTURE.md, \"The serving engine\").")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, description = "Model directory, or a PyTorch .pt state_dict.")
    java.nio.file.Path weights;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-batch", defaultValue = "16", description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "2", description = "How long a new request's first pass waits for "
            + "company (default: ${DEFAULT-VALUE}).")
    int maxWaitMs;

    @Option(names = "--max-queue", defaultValue = "256", description = "Requests waiting for a row before 429 "
            + "(default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--device-memory-mb", defaultValue = "2048", description = "Bound on one pass's activations, MiB "
            + "(default: ${DEFAULT-VALUE}).")
    long deviceMemoryMb;

    @Option(names = "--max-body-kb", defaultValue = "1024", description = "Request bodies over this get 413 "
            + "(default: ${DEFAULT-VALUE}).")
    long maxBodyKb;

    @Option(names = "--codec", description = "Codec folder (SpeechTokenizer's or EnCodec's release, or converted): serve "
            + "Accept: audio/wav; its levels must line up with the model's (config.json's codec_pairing).")
    java.nio.file.Path codecDir;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = BackendNames.class)
    String backendName;

    @Override
    public Integer call() throws IOException, InterruptedException {
        EngineSettings settings = new EngineSettings(maxBatch, Duration.ofMillis(maxWaitMs), maxQueue,
                deviceMemoryMb << 20);
        try (SoundStorm model = SoundStorm.load(weights, Backends.create(backendName), settings);
             Codec codec = codecDir == null ? null : Codec.load(codecDir, Backends.create(backendName))) {
            GenerationServer server = new GenerationServer(model.engine(), model.config(), codec, host, port,
                    maxBodyKb << 10);
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            System.out.printf("serving %s on http://%s:%d (%s; max batch %d, queue %d)%n", weights, host, server.port(),
                    model.backendDescription(), maxBatch, maxQueue);
            System.out.flush();
            stop.await();
            System.out.println("stopping: finishing the requests in flight");
            server.shutdown(10);
            System.out.printf("stopped after %d requests%n", model.engine().metrics().requests(
                    org.soundstorm4j.engine.EngineMetrics.Outcome.OK));
        }
        return 0;
    }
}
