package org.soundstorm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} from the packaged jar (through the Vector API relaunch): it binds 127.0.0.1 on a
 * free port, answers, and on SIGTERM finishes the request in flight and exits 0.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServeIT {
    private static final Path JAR = Path.of("target/soundstorm4j.jar");

    @TempDir
    Path tmp;

    @Test
    void sigtermFinishesTheRequestInFlightAndExitsZero() throws Exception {
        assumeTrue(Files.isRegularFile(JAR), JAR + " is not built (mvn package builds it; mvn verify runs this after)");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve", "--weights", "weights/trained", "--port", "0", "--backend", "cpu");
        pb.environment().remove("SOUNDSTORM4J_NO_RELAUNCH");
        Path console = tmp.resolve("console.txt");
        pb.redirectErrorStream(true).redirectOutput(console.toFile());
        Process server = pb.start();
        try {
            Pattern serving = Pattern.compile("serving .* on http://127\\.0\\.0\\.1:(\\d+) ");
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0 && server.isAlive() && System.nanoTime() < deadline) {
                Matcher m = serving.matcher(Files.readString(console));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                } else {
                    Thread.sleep(50);
                }
            }
            assertTrue(port > 0, "no 'serving' line: " + Files.readString(console));
            HttpClient client = HttpClient.newHttpClient();
            // long enough (800 frames, 19 passes) to be in flight when the signal comes
            StringBuilder ids = new StringBuilder();
            for (int i = 0; i < 400; i++) {
                ids.append(i == 0 ? "" : ",").append(i % 32);
            }
            CompletableFuture<HttpResponse<String>> reply = client.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"semantic\": [" + ids + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(300);
            server.destroy();       // SIGTERM
            HttpResponse<String> r = reply.get(2, TimeUnit.MINUTES);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"frames\":800"), r.body());
            assertTrue(server.waitFor(1, TimeUnit.MINUTES), "the server did not exit");
            String text = Files.readString(console);
            assertEquals(0, server.exitValue(), text);
            assertTrue(text.contains("stopping: finishing the requests in flight"), text);
        } finally {
            server.destroyForcibly();
        }
    }
}
