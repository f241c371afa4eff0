package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensorsWriter;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/** Loading a codec (release folder, .pt, converted safetensors, decoder-only) and refusing bad files and configs by name. */
class CodecLoadTest {
    private static final Path SMALL = CodecContract.resource("small");

    @TempDir
    Path tmp;

    private static float[][] decodeSmall(Codec codec) {
        return codec.decode(CodecContract.codes(SMALL.resolve("case_b2_t13_all.codes.npy")));
    }

    @Test
    void loadsTheReleaseFolderAndNotesWhatItSkips() {
        try (Codec codec = Codec.load(SMALL, new CpuBackend(2))) {
            assertEquals(16, codec.config().hop());
            assertEquals(1000.0, codec.config().frameRate());
            String notes = String.join("\n", codec.notes());
            assertTrue(notes.contains("config keys not used by the decoder: bidirectional, semantic_dimension"), notes);
            assertTrue(notes.matches("(?s).*unused by the decoder: [1-9]\\d* encoder\\.\\* tensors, [1-9]\\d* transform\\.\\* "
                    + "tensors, 24 codebook training buffers.*"), notes);
        }
    }

    @Test
    void aDecoderOnlySafetensorsFolderLoadsAndDecodesAsThePtDoes() {
        writeSafetensors(tmp, name -> name.startsWith("decoder.") || name.endsWith("._codebook.embed") ? name : null);
        try (Codec pt = Codec.load(SMALL.resolve("SpeechTokenizer.pt"), new CpuBackend(2));
             Codec st = Codec.load(tmp, new CpuBackend(2))) {
            assertTrue(st.notes().stream().noneMatch(n -> n.startsWith("unused")), st.notes().toString());
            float[][] a = decodeSmall(pt);
            float[][] b = decodeSmall(st);
            for (int r = 0; r < a.length; r++) {
                assertArrayEquals(a[r], b[r], "row " + r);
            }
        }
    }

    @Test
    void aMissingTensorIsNamed() {
        String gone = "decoder.model.1.lstm.weight_hh_l1";
        writeSafetensors(tmp, name -> name.equals(gone) ? null : name);
        CpuBackend backend = new CpuBackend(1);
        WeightsException e = assertThrows(WeightsException.class, () -> Codec.load(tmp, backend));
        assertTrue(e.getMessage().contains("missing tensor " + gone + " [128, 32]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> backend.upload(new float[1]), "a failed load closes the backend");
    }

    @Test
    void aMisshapenOrUnexpectedTensorIsNamed() throws Exception {
        Files.copy(SMALL.resolve("config.json"), tmp.resolve("config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (TorchCheckpoint pt = TorchCheckpoint.open(SMALL.resolve("SpeechTokenizer.pt"))) {
            for (String name : pt.names()) {
                if (name.equals("decoder.model.0.conv.conv.bias")) {
                    w.add(name, DType.F32, new long[] {31}, new float[31]);
                } else {
                    w.add(pt.tensor(name), DType.F32);
                }
            }
            w.add("decoder.model.99.conv.conv.bias", DType.F32, new long[] {1}, new float[1]);
            w.write(tmp.resolve("model.safetensors"));
        }
        WeightsException e = assertThrows(WeightsException.class, () -> Codec.load(tmp, new CpuBackend(2)));
        assertTrue(e.getMessage().contains("tensor decoder.model.0.conv.conv.bias has shape [31], config implies [32]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unexpected tensor decoder.model.99.conv.conv.bias"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"n_filters\": 4,|''|missing key \"n_filters\"",
            "\"activation\": \"ELU\"|\"activation\": \"Snake\"|activation \"Snake\" is not supported",
            "\"n_q\": 8|\"n_q\": \"8\"|\"n_q\" must be an integer",
            "\"n_q\": 8|\"n_q\": 0|n_q must be in [1, 64], got 0",
            "\"dimension\": 32|\"dimension\": 33|tensor quantizer.vq.layers.0._codebook.embed has shape [16, 32], config implies [16, 33]"})
    void aBadConfigIsRefusedNamingTheKey(String from, String to, String message) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("st"));
        String json = Files.readString(SMALL.resolve("config.json"));
        String changed = json.replaceFirst(java.util.regex.Pattern.quote(from.replace("\": ", "\": ")), to);
        if (changed.equals(json)) {
            changed = json.replace(from.replace(": ", ":"), to);
        }
        assertTrue(!changed.equals(json), "the edit applies: " + from);
        Files.writeString(dir.resolve("config.json"), changed);
        Files.copy(SMALL.resolve("SpeechTokenizer.pt"), dir.resolve("SpeechTokenizer.pt"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Codec.load(dir, new CpuBackend(2)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void stridesAreCheckedOneByOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CodecConfig(4, new int[] {4, 1}, 32, 2, 2, 3, 1, 16, 8, 16000, false));
        assertTrue(e.getMessage().contains("strides[1] must be in [2, 64], got 1"), e.getMessage());
        assertEquals(CodecConfig.speechTokenizer(), CodecConfig.fromJson(CodecConfig.speechTokenizer().toJson()));
        assertEquals(320, CodecConfig.speechTokenizer().hop());
        assertEquals(50.0, CodecConfig.speechTokenizer().frameRate());
    }

    @Test
    void encodecsFolderLoadsItsOneThCheckpointAndNotesTheEncoder() {
        try (Codec codec = Codec.load(CodecContract.resource("encodec_small"), new CpuBackend(2))) {
            assertTrue(codec.config().causal());
            assertEquals(24, codec.config().hop());
            String notes = String.join("\n", codec.notes());
            assertTrue(notes.matches("(?s).*unused by the decoder: [1-9]\\d* encoder\\.\\* tensors.*"), notes);
        }
        CodecConfig json = CodecConfig.fromJson(CodecConfig.encodec24khz().toJson());
        assertEquals(CodecConfig.encodec24khz(), json, "causal survives a round trip through JSON");
        assertEquals(75.0, json.frameRate());
    }

    /**
     * EnCodec's 24 kHz release ships a bare {@code encodec_24khz-d7cc33bc.th}: without a config.json
     * a checkpoint so named is read as that model (here its shapes with the fill formula's weights,
     * as safetensors), and one with other shapes is refused naming the tensors that do not fit.
     */
    @Test
    void anEncodec24khzCheckpointWithoutAConfigIsThatModel() throws Exception {
        CodecConfig config = CodecConfig.encodec24khz();
        Path named = tmp.resolve("encodec_24khz-test.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (FormulaTensors t = new FormulaTensors(config)) {
            for (String name : t.names()) {
                w.add(t.tensor(name), DType.F32);
            }
        }
        w.write(named);
        int[][][] codes = CodecContract.codes(CodecContract.resource("encodec_released").resolve("case_b1_t10_k8.codes.npy"));
        try (Codec codec = Codec.load(named, new CpuBackend(2))) {
            assertEquals(config, codec.config());
            assertTrue(String.join("\n", codec.notes()).contains("no config.json: encodec_24khz-test.safetensors decoded as "
                    + "EnCodec's 24 kHz model"), codec.notes().toString());
            float[] expected = CodecContract.row(org.soundstorm4j.io.Npy.readFloats(
                    CodecContract.resource("encodec_released").resolve("case_b1_t10_k8.wav.npy")), 0);
            float[] got = codec.decode(codes)[0];
            assertTrue(CodecContract.maxDiff(expected, got, "k8") <= 1e-4 * CodecContract.peak(expected), "decodes as EnCodec");
        }
        Path small = Files.createDirectory(tmp.resolve("small"));
        Files.copy(CodecContract.resource("encodec_small").resolve("encodec_small.th"),
                small.resolve("encodec_24khz-d7cc33bc.th"));
        WeightsException e = assertThrows(WeightsException.class, () -> Codec.load(small, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("quantizer.vq.layers.0._codebook.embed has shape [32, 16], config implies "
                + "[1024, 128]"), e.getMessage());
    }

    @Test
    void aBadCausalValueAndEncodecs48khzModelAreRefusedNamingThem() throws Exception {
        String json = CodecConfig.encodec24khz().toJson().replace("\"causal\": true", "\"causal\": \"yes\"");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CodecConfig.fromJson(json));
        assertTrue(e.getMessage().contains("\"causal\" must be true or false, got yes"), e.getMessage());
        Path stereo = tmp.resolve("encodec_48khz-7e698e3e.th");
        Files.copy(CodecContract.resource("encodec_small").resolve("encodec_small.th"), stereo);
        e = assertThrows(IllegalArgumentException.class, () -> Codec.load(tmp, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("EnCodec's 48 kHz model is not supported"), e.getMessage());
    }

    /**
     * A causal hop of at most 6 samples would put the samples the last conv's start reflection
     * reads in frame 1, where a decode cut into frames sees a window edge (found by review: strides
     * [3, 2] sliced one frame at a time differed from the whole decode by 5e-3); it is refused.
     */
    @Test
    void aCausalDecoderWithAHopWithinTheLastConvsPaddingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CodecConfig(4, new int[] {3, 2}, 16, 1, 2, 3, 1, 32, 4, 24000, true));
        assertTrue(e.getMessage().contains("a causal decoder needs strides multiplying to a hop above 6 samples"),
                e.getMessage());
        assertEquals(7, new CodecConfig(4, new int[] {7}, 16, 1, 2, 3, 1, 32, 4, 24000, true).hop());
        assertEquals(6, new CodecConfig(4, new int[] {3, 2}, 16, 1, 2, 3, 1, 32, 4, 24000, false).hop());
    }

    /** convert reads the release checkpoint even where a converted model.safetensors lies beside it. */
    @Test
    void convertReadsTheReleaseCheckpointBesideAConvertedFile() throws Exception {
        Path both = Files.createDirectory(tmp.resolve("both"));
        Files.copy(SMALL.resolve("config.json"), both.resolve("config.json"));
        Files.copy(SMALL.resolve("SpeechTokenizer.pt"), both.resolve("SpeechTokenizer.pt"));
        CodecConversion.convert(both, both, DType.F32);
        CodecConversion.Result again = CodecConversion.convert(both, both, DType.BF16);
        assertTrue(again.tensors() > 0);
        try (Codec codec = Codec.load(both, new CpuBackend(1))) {
            assertEquals(16, codec.config().hop(), "loads the converted file");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodecConversion.convert(both.resolve("model.safetensors"), tmp.resolve("out"), DType.F32));
        assertTrue(e.getMessage().contains("is already converted"), e.getMessage());
    }

    @Test
    void aFolderOfSeveralCheckpointsOrNoneIsRefusedNamingThem() throws Exception {
        Files.copy(CodecContract.resource("encodec_small").resolve("config.json"), tmp.resolve("config.json"));
        WeightsException e = assertThrows(WeightsException.class, () -> Codec.load(tmp, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("holds neither model.safetensors nor SpeechTokenizer.pt nor another .pt or .th"),
                e.getMessage());
        Files.copy(CodecContract.resource("encodec_small").resolve("encodec_small.th"), tmp.resolve("a.th"));
        Files.copy(CodecContract.resource("encodec_small").resolve("encodec_small.th"), tmp.resolve("b.pt"));
        e = assertThrows(WeightsException.class, () -> Codec.load(tmp, new CpuBackend(1)));
        assertTrue(e.getMessage().contains("holds several checkpoints [a.th, b.pt]: name one"), e.getMessage());
        try (Codec codec = Codec.load(tmp.resolve("b.pt"), new CpuBackend(1))) {
            assertTrue(codec.config().causal(), "a named file is read with its folder's config");
        }
    }

    /** config.json plus a safetensors of the small .pt's tensors, renamed or dropped (null) by {@code rename}. */
    private static void writeSafetensors(Path dir, UnaryOperator<String> keep) {
        try {
            Files.copy(SMALL.resolve("config.json"), dir.resolve("config.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SafeTensorsWriter w = new SafeTensorsWriter();
        List<String> kept = new ArrayList<>();
        try (TorchCheckpoint pt = TorchCheckpoint.open(SMALL.resolve("SpeechTokenizer.pt"))) {
            for (String name : pt.names()) {
                if (keep.apply(name) != null) {
                    TensorView t = pt.tensor(name);
                    w.add(t, DType.F32);
                    kept.add(name);
                }
            }
            w.write(dir.resolve("model.safetensors"));
        }
        assertTrue(!kept.isEmpty());
    }
}
