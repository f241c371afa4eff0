package org.soundstorm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.io.FloatArray;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Npy;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * {@code decode} and {@code generate --codec --wav} against the small SpeechTokenizer fixture,
 * whose expected waveforms come from SpeechTokenizer's own PyTorch decode
 * (tests/resources/codec/README.md).
 */
class DecodeCommandTest {
    private static final Path SMALL = Path.of("tests/resources/codec/small");

    @TempDir
    Path tmp;

    /** The fixture's codes [levels][batch][frames] as the CLI takes them: tokens [batch, frames, L] from level {@code from} on. */
    private Path tokens(String file, int from) {
        IntArray codes = Npy.readInts(SMALL.resolve(file));
        int levels = codes.dim(0);
        int batch = codes.dim(1);
        int frames = codes.dim(2);
        int kept = levels - from;
        int[] flat = new int[batch * frames * kept];
        for (int q = from; q < levels; q++) {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < frames; t++) {
                    flat[(b * frames + t) * kept + q - from] = codes.data()[(q * batch + b) * frames + t];
                }
            }
        }
        Path out = tmp.resolve(file.replace(".codes.npy", "-from" + from + ".npy"));
        Npy.writeInts(out, new int[] {batch, frames, kept}, flat);
        return out;
    }

    private Path levelZero(String file) {
        IntArray codes = Npy.readInts(SMALL.resolve(file));
        Path out = tmp.resolve("level0.npy");
        Npy.writeInts(out, new int[] {codes.dim(1), codes.dim(2)}, Arrays.copyOf(codes.data(), codes.dim(1) * codes.dim(2)));
        return out;
    }

    private static float[] expected(String file) {
        return Npy.readFloats(SMALL.resolve(file)).data();
    }

    @Test
    void decodeWritesSpeechTokenizersWaveformAsNpy() {
        Path out = tmp.resolve("audio.npy");
        CliTest.Run r = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens("case_b2_t13_all.codes.npy", 0).toString(),
                "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 rows, 8 levels"), r.out());
        FloatArray audio = Npy.readFloats(out);
        assertArrayEquals(new int[] {2, 13 * 16}, audio.shape());
        float[] want = expected("case_b2_t13_all.wav.npy");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], audio.data()[i], 1e-5, "sample " + i);
        }
    }

    @Test
    void semanticIdsAreLevelZeroAndEachRowGetsItsWav() {
        Path wav = tmp.resolve("speech.wav");
        CliTest.Run r = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens("case_b2_t13_all.codes.npy", 1).toString(),
                "--semantic", levelZero("case_b2_t13_all.codes.npy").toString(), "--wav", wav.toString(), "--float-wav");
        assertEquals(0, r.code(), r.err());
        float[] want = expected("case_b2_t13_all.wav.npy");
        for (int b = 0; b < 2; b++) {
            Wav.Audio a = Wav.read(tmp.resolve("speech-" + b + ".wav"));
            assertEquals(16000, a.sampleRate());
            for (int i = 0; i < a.samples().length; i++) {
                assertEquals(want[b * 208 + i], a.samples()[i], 1e-5, "row " + b + " sample " + i);
            }
        }
        assertFalse(Files.exists(wav), "a batch of two writes speech-0.wav and speech-1.wav, not speech.wav");
    }

    @Test
    void fewerLevelsDecodeAsSpeechTokenizerDoes() {
        Path out = tmp.resolve("k1.npy");
        CliTest.Run r = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens("case_b2_t13_k1.codes.npy", 0).toString(),
                "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        float[] want = expected("case_b2_t13_k1.wav.npy");
        float[] got = Npy.readFloats(out).data();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, "sample " + i);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "window options: [{0}]")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "--window 5 --window-prompt 2"})
    void generateWritesTheAudioOfItsTokensWithTheSemanticIdsAsLevelZero(String windowOptions) throws IOException {
        // with windows of 5 frames the 11 frames come in 4 windows, each decoded as soon as it is final
        // a random model in the public pairing over the small codec: 7 acoustic levels + level 0, codebook 16
        Path model = TestModels.random(tmp.resolve("model"), new ModelConfig(32, 1, 2, 16, 2, 2, 5, 7, 16, 16, 1,
                LogitHead.PROJECTED, CodecPairing.SEMANTIC_IS_LEVEL_0), 3);
        Path semantic = tmp.resolve("semantic.npy");
        Npy.writeInts(semantic, new int[] {2, 11}, new Random(5).ints(22, 0, 16).toArray());
        Path tokens = tmp.resolve("tokens.npy");
        Path wav = tmp.resolve("gen.wav");
        List<String> args = new ArrayList<>(List.of("generate", "--weights", model.toString(), "--semantic",
                semantic.toString(), "--out", tokens.toString(), "--codec", SMALL.toString(), "--wav", wav.toString(),
                "--backend", "cpu"));
        if (!windowOptions.isEmpty()) {
            args.addAll(List.of(windowOptions.split(" ")));
        }
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("decoded window by window"), r.out());
        // the same audio as decode gives for those tokens with those semantic ids
        Path decoded = tmp.resolve("decoded.npy");
        CliTest.Run d = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens.toString(), "--semantic",
                semantic.toString(), "--out", decoded.toString(), "--backend", "cpu");
        assertEquals(0, d.code(), d.err());
        float[] want = Npy.readFloats(decoded).data();
        for (int b = 0; b < 2; b++) {
            float[] got = Wav.read(tmp.resolve("gen-" + b + ".wav")).samples();
            assertEquals(11 * 16, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(Math.max(-1f, Math.min(1f, want[b * 176 + i])), got[i], 0.5 / 32767 + 1e-6, "row " + b + " sample " + i);
            }
        }
    }

    /**
     * EnCodec's causal codec under a model whose levels are all acoustic (codec_pairing all_acoustic,
     * 3 levels of the codec's 4): generate's audio, window by window, equals decode's of its tokens,
     * the closing line counts the codec's 1000 frames per second, and convert keeps "causal".
     */
    @Test
    void generateOverEncodecsCausalCodecWritesTheAudioOfItsTokensAtTheCodecsRate() throws IOException {
        Path encodec = Path.of("tests/resources/codec/encodec_small");
        Path model = TestModels.random(tmp.resolve("model"), new ModelConfig(32, 1, 2, 16, 2, 2, 5, 3, 32, 16, 1,
                LogitHead.PROJECTED, CodecPairing.ALL_ACOUSTIC), 3);
        Path semantic = tmp.resolve("semantic.npy");
        Npy.writeInts(semantic, new int[] {1, 17}, new Random(6).ints(17, 0, 16).toArray());
        Path tokens = tmp.resolve("tokens.npy");
        Path wav = tmp.resolve("gen.wav");
        CliTest.Run r = CliTest.run("generate", "--weights", model.toString(), "--semantic", semantic.toString(),
                "--out", tokens.toString(), "--codec", encodec.toString(), "--wav", wav.toString(), "--backend", "cpu",
                "--window", "8", "--window-prompt", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("0.02 s of audio (1 x 17 frames at 1000 Hz)"), r.out());
        Path converted = tmp.resolve("converted");
        CliTest.Run c = CliTest.run("convert", "--codec", encodec.toString(), "--out", converted.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(Files.readString(converted.resolve("config.json")).contains("\"causal\": true"));
        Path decoded = tmp.resolve("decoded.npy");
        CliTest.Run d = CliTest.run("decode", "--codec", converted.toString(), "--tokens", tokens.toString(), "--out",
                decoded.toString(), "--backend", "cpu");
        assertEquals(0, d.code(), d.err());
        float[] want = Npy.readFloats(decoded).data();
        float[] got = Wav.read(wav).samples();
        assertEquals(17 * 24, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(Math.max(-1f, Math.min(1f, want[i])), got[i], 0.5 / 32767 + 1e-6, "sample " + i);
        }
    }

    @Test
    void generateRefusesACodecWhoseLevelsDoNotLineUpBeforeTheWork() {
        Path wav = tmp.resolve("never.wav");
        // the trained model: 4 acoustic levels of 32 codes, the small codec: 16 codes per level
        CliTest.Run r = CliTest.run("generate", "--weights", "weights/trained", "--semantic",
                "weights/trained/example_semantic.npy", "--codec", SMALL.toString(), "--wav", wav.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("codebook_size 32") && r.err().contains("16"), r.err());
        assertFalse(Files.exists(tmp.resolve("never-0.wav")));
        CliTest.Run noCodec = CliTest.run("generate", "--weights", "weights/trained", "--semantic",
                "weights/trained/example_semantic.npy", "--wav", wav.toString());
        assertEquals(1, noCodec.code());
        assertTrue(noCodec.err().contains("--codec and --wav go together"), noCodec.err());
    }

    @Test
    void convertMakesADecoderOnlyCodecFolderThatDecodesTheSame() throws IOException {
        Path converted = tmp.resolve("converted");
        CliTest.Run c = CliTest.run("convert", "--codec", SMALL.toString(), "--out", converted.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("encoder.*"), c.out());
        assertEquals(Files.readString(SMALL.resolve("config.json")), Files.readString(converted.resolve("config.json")));
        Path out = tmp.resolve("converted.npy");
        CliTest.Run r = CliTest.run("decode", "--codec", converted.toString(), "--tokens",
                tokens("case_b2_t13_all.codes.npy", 0).toString(), "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        float[] want = expected("case_b2_t13_all.wav.npy");
        float[] got = Npy.readFloats(out).data();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, "sample " + i);
        }
        CliTest.Run both = CliTest.run("convert", "--codec", SMALL.toString(), "--in", "x.pt", "--out", converted.toString());
        assertEquals(1, both.code(), both.err());
    }

    @Test
    void badTokensAreNamedAndNothingIsWritten() throws IOException {
        Path tokens = tokens("case_b2_t13_all.codes.npy", 0);
        IntArray t = Npy.readInts(tokens);
        int[] data = t.data().clone();
        data[5] = 16; // codebook_size 16: out of range
        Npy.writeInts(tokens, t.shape(), data);
        Path out = tmp.resolve("never.npy");
        CliTest.Run r = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("16"), r.err());
        CliTest.Run both = CliTest.run("decode", "--codec", SMALL.toString(), "--tokens", tokens.toString(), "--out",
                out.toString(), "--wav", tmp.resolve("x.wav").toString());
        assertEquals(2, both.code(), "--out and --wav are exclusive: " + both.err());
        try (Stream<Path> files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("never")
                    || f.getFileName().toString().endsWith(".wav")), "something was written");
        }
    }
}
