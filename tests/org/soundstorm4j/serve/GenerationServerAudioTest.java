package org.soundstorm4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.SoundStorm;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.CodecInput;
import org.soundstorm4j.engine.EngineSettings;
import org.soundstorm4j.io.Json;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * {@code Accept: audio/wav}: a random model in the public pairing (7 acoustic levels over the semantic
 * ids as level 0, codebook 16) over the small SpeechTokenizer fixture, on 127.0.0.1 and a free port.
 * The WAV must hold exactly the codec's decode of the tokens the JSON reply gives for the same request.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GenerationServerAudioTest {
    private static final Path SMALL = Path.of("tests/resources/codec/small");
    private static final ModelConfig PUBLIC_PAIRING = new ModelConfig(32, 1, 2, 16, 2, 2, 5, 7, 16, 16, 1,
            LogitHead.PROJECTED, CodecPairing.SEMANTIC_IS_LEVEL_0);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;
    private static SoundStorm model;
    private static Codec codec;
    private static GenerationServer server;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TestModels.random(tmp.resolve("model"), PUBLIC_PAIRING, 3);
        model = SoundStorm.load(dir, new CpuBackend(2), EngineSettings.defaults());
        codec = Codec.load(SMALL, new CpuBackend(2));
        server = new GenerationServer(model.engine(), model.config(), codec, "127.0.0.1", 0, 64 << 10);
    }

    @AfterAll
    static void stop() {
        server.shutdown(2);
        codec.close();
        model.close();
    }

    private static CompletableFuture<HttpResponse<byte[]>> post(String body, String accept) {
        return CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/generate"))
                .header("Accept", accept).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int[][] tokens(byte[] json) {
        List<?> frames = (List<?>) ((Map<?, ?>) Json.parse(new String(json, java.nio.charset.StandardCharsets.UTF_8)))
                .get("tokens");
        return frames.stream().map(f -> ((List<?>) f).stream().mapToInt(v -> ((Long) v).intValue()).toArray())
                .toArray(int[][]::new);
    }

    @Test
    void concurrentWavRepliesHoldTheCodecsDecodeOfTheirTokensWindowedOrNot() throws Exception {
        SplittableRandom r = new SplittableRandom(8);
        List<int[]> inputs = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        List<CompletableFuture<HttpResponse<byte[]>>> wavs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] semantic = r.ints(9 + 3 * i, 0, PUBLIC_PAIRING.numSemanticTokens()).toArray();
            inputs.add(semantic);
            // rows 2 and 3 in windows of 5 frames (2 of them prompt): decoded window by window
            String body = i < 2 ? Json.writeLine(Map.of("semantic", semantic, "seed", (long) i))
                    : Json.writeLine(Map.of("semantic", semantic, "seed", (long) i, "window", 5L, "window_prompt", 2L));
            bodies.add(body);
            wavs.add(post(body, "audio/wav"));
        }
        for (int i = 0; i < 4; i++) {
            HttpResponse<byte[]> wav = wavs.get(i).join();
            assertEquals(200, wav.statusCode(), () -> new String(wav.body()));
            assertEquals("audio/wav", wav.headers().firstValue("Content-Type").orElseThrow());
            Path file = tmp.resolve("reply-" + i + ".wav");
            Files.write(file, wav.body());
            Wav.Audio audio = Wav.read(file);
            assertEquals(codec.config().sampleRate(), audio.sampleRate());

            int[][] tokens = tokens(post(bodies.get(i), "application/json").join().body());
            float[] want = codec.decode(CodecInput.stack(List.of(inputs.get(i)), List.<int[][]>of(tokens)))[0];
            assertEquals(inputs.get(i).length * codec.config().hop(), audio.samples().length, "request " + i);
            for (int s = 0; s < want.length; s++) {
                float clamped = Math.max(-1f, Math.min(1f, want[s]));
                assertEquals(clamped, audio.samples()[s], 0.5 / 32767 + 1e-6, "request " + i + " sample " + s);
            }
        }
    }

    @Test
    void aBadRequestForAudioGetsItsStatusBeforeAnyAudio() {
        HttpResponse<byte[]> reply = post("{\"semantic\": [1, 99]}", "audio/wav").join();
        assertEquals(400, reply.statusCode());
        assertTrue(new String(reply.body()).contains("semantic id 99 at 1 out of range"), new String(reply.body()));
    }

    @Test
    void aCodecWhoseCodebookDoesNotLineUpWithTheModelIsRefusedBeforeServing() {
        ModelConfig other = new ModelConfig(32, 1, 2, 16, 2, 2, 5, 7, 32, 16, 1, LogitHead.PROJECTED,
                CodecPairing.SEMANTIC_IS_LEVEL_0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationServer(model.engine(), other, codec, "127.0.0.1", 0, 1024));
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void theSameTokensDecodeTheSameOnEveryRequest() {
        String body = Json.writeLine(Map.of("semantic", new int[] {1, 2, 3, 4, 5, 6, 7}, "seed", 5L));
        byte[] a = post(body, "audio/wav").join().body();
        byte[] b = post(body, "audio/wav").join().body();
        assertEquals(44 + 7 * codec.config().hop() * 2, a.length, "header + 16-bit samples");
        assertArrayEquals(a, b);
    }
}
