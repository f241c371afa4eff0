package org.soundstorm4j.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.WindowAudio;
import org.soundstorm4j.engine.Generation;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.ModelConfig;

/**
 * {@code Accept: audio/wav}: the request's audio as a 16-bit PCM mono WAV, sent as it is decoded.
 * Each finished window goes through the codec on the exchange's thread (calls on one codec take
 * turns), and each chunk of final samples is written at once; the length is known up front
 * (frames x hop), so the reply has a Content-Length and a player can start before the end. A request
 * that fails before its first window gets its status as JSON; one that fails later can only be cut
 * short (the client sees fewer bytes than the Content-Length).
 */
final class WavReply {
    private WavReply() {
    }

    static void send(HttpExchange x, CompletableFuture<Generation> future, WindowQueue windows, Codec codec,
                     ModelConfig model, int[] semantic) throws IOException, InterruptedException {
        List<float[]> ready = new ArrayList<>();
        try (WindowAudio audio = WindowAudio.open(codec, model, semantic, (row, offset, chunk) -> ready.add(chunk))) {
            WindowQueue.Window first = windows.take();
            if (first == null) {
                Throwable cause = GenerationServer.cause(future);
                GenerationServer.error(x, GenerationServer.status(cause), cause.getMessage());
                return;
            }
            byte[] header = Wav.header(codec.config().sampleRate(), audio.samples(), Wav.Encoding.PCM_16);
            x.getResponseHeaders().set("Content-Type", "audio/wav");
            x.sendResponseHeaders(200, header.length + audio.samples() * 2);
            OutputStream out = x.getResponseBody();
            out.write(header);
            for (WindowQueue.Window w = first; w != null; w = windows.take()) {
                audio.push(w.frameOffset(), w.tokens());
                for (float[] chunk : ready) {
                    out.write(Wav.encode(chunk, Wav.Encoding.PCM_16));
                }
                ready.clear();
                out.flush();
            }
        }
    }
}
