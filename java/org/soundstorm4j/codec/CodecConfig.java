package org.soundstorm4j.codec;

import static org.soundstorm4j.io.ConfigValues.inRange;
import static org.soundstorm4j.io.ConfigValues.integer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.soundstorm4j.io.IoErrors;
import org.soundstorm4j.io.Json;

/**
 * The hyper-parameters of a SEANet codec's decode path, as SpeechTokenizer's {@code config.json}
 * names them: SpeechTokenizer (non-causal) and EnCodec's 24 kHz model (causal, {@link #encodec24khz},
 * whose release has no config file) are the same decoder with other numbers. Ranges (inclusive)
 * are checked on construction and every message names the key:
 *
 * <ul>
 *   <li>{@code n_filters} N: even, [2, 1024] (the residual blocks halve the channels)</li>
 *   <li>{@code strides}: 1 to 8 upsampling ratios, each [2, 64]; {@code hop()} = their product, at most 8192 samples</li>
 *   <li>{@code dimension} D: [1, 8192], the codebook vectors' and the first conv's input width</li>
 *   <li>{@code lstm_layers}: [1, 8] (unidirectional in the decoder, hidden 2^S N)</li>
 *   <li>{@code dilation_base}: [1, 8]; {@code residual_kernel_size}: odd, [1, 15]; {@code n_residual_layers}: [1, 8],
 *       and the widest residual padding on one side (dilation_base^(n_residual_layers-1) (residual_kernel_size-1)/2,
 *       or twice that when causal) must be below {@code strides[0]}, so that the decoder's time slices never meet
 *       PyTorch's short-input padding rule except where the whole sequence does</li>
 *   <li>{@code activation}: "ELU" only (alpha 1); any other name is refused</li>
 *   <li>{@code codebook_size}: [1, 65536]; {@code n_q}: [1, 64]; {@code sample_rate}: [1, 384000] Hz</li>
 *   <li>2^S N (the LSTM width) at most 65536</li>
 *   <li>{@code causal}: optional, false when absent (SpeechTokenizer). True is EnCodec's causal SEANet: every
 *       conv pads only on the left (reflect), every transposed conv trims only on the right; the hop must then
 *       exceed 6 samples, the last conv's left padding</li>
 * </ul>
 *
 * The SEANet constants that SpeechTokenizer does not put in its config are fixed here: the first
 * and last convs have kernel {@link #KERNEL} 7, each transposed conv kernel 2r, and the residual
 * blocks compress by 2 with a 1x1-conv shortcut.
 *
 * @param nFilters           N, the channels of the last stage
 * @param strides            the upsampling ratios r_0..r_{S-1}, in order (copied in and out)
 * @param dimension          D, channels of the quantized latent
 * @param lstmLayers         layers of the decoder's LSTM
 * @param dilationBase       residual layer j uses dilation dilationBase^j
 * @param residualKernelSize the residual blocks' first conv kernel
 * @param nResidualLayers    residual blocks per stage
 * @param codebookSize       ids per level
 * @param nQ                 levels of the residual quantizer
 * @param sampleRate         output samples per second
 * @param causal             EnCodec's causal padding instead of SpeechTokenizer's centred one
 */
public record CodecConfig(int nFilters, int[] strides, int dimension, int lstmLayers, int dilationBase,
                          int residualKernelSize, int nResidualLayers, int codebookSize, int nQ, int sampleRate,
                          boolean causal) {

    /** Kernel of the first conv (D to 2^S N) and of the last one (N to 1). */
    public static final int KERNEL = 7;

    /** The keys this record reads; {@link #ignoredKeys} lists the others a config holds. */
    public static final Set<String> KEYS = Set.of("n_filters", "strides", "dimension", "lstm_layers",
            "dilation_base", "residual_kernel_size", "n_residual_layers", "activation", "codebook_size", "n_q",
            "sample_rate", "causal");

    public CodecConfig {
        inRange("n_filters", nFilters, 2, 1024);
        if (nFilters % 2 != 0) {
            throw new IllegalArgumentException("n_filters must be even (the residual blocks halve it), got " + nFilters);
        }
        if (strides == null || strides.length < 1 || strides.length > 8) {
            throw new IllegalArgumentException("strides must list 1 to 8 ratios, got "
                    + (strides == null ? "none" : strides.length));
        }
        strides = strides.clone();
        long hop = 1;
        for (int i = 0; i < strides.length; i++) {
            inRange("strides[" + i + "]", strides[i], 2, 64);
            hop *= strides[i];
        }
        if (hop > 8192) {
            throw new IllegalArgumentException("strides multiply to a hop of " + hop + " samples, more than 8192");
        }
        inRange("dimension", dimension, 1, 8192);
        inRange("lstm_layers", lstmLayers, 1, 8);
        inRange("dilation_base", dilationBase, 1, 8);
        inRange("residual_kernel_size", residualKernelSize, 1, 15);
        if (residualKernelSize % 2 == 0) {
            throw new IllegalArgumentException("residual_kernel_size must be odd, got " + residualKernelSize);
        }
        inRange("n_residual_layers", nResidualLayers, 1, 8);
        inRange("codebook_size", codebookSize, 1, 65536);
        inRange("n_q", nQ, 1, 64);
        inRange("sample_rate", sampleRate, 1, 384000);
        if (((long) nFilters << strides.length) > 65536) {
            throw new IllegalArgumentException("n_filters " + nFilters + " x 2^" + strides.length
                    + " strides gives an LSTM width above 65536");
        }
        if (causal && hop <= KERNEL - 1) {
            // at the true start the last conv mirrors samples 1..6 into sample 0's window: they must
            // lie in frame 0, or a decode cut into frames would read a window edge there
            throw new IllegalArgumentException("a causal decoder needs strides multiplying to a hop above " + (KERNEL - 1)
                    + " samples (the last conv's left padding), got " + hop);
        }
        long widestSpan = (long) Math.pow(dilationBase, nResidualLayers - 1) * (residualKernelSize - 1);
        long widestPad = causal ? widestSpan : widestSpan / 2;
        if (widestPad >= strides[0]) {
            throw new IllegalArgumentException("the widest residual padding (dilation_base^(n_residual_layers-1) x "
                    + "(residual_kernel_size-1)" + (causal ? "" : "/2") + " = " + widestPad
                    + ") must be below strides[0] (" + strides[0] + ")");
        }
    }

    /** SpeechTokenizer's released configuration (speechtokenizer_hubert_avg): N 64, strides [8,5,4,2], D 1024, 16 kHz. */
    public static CodecConfig speechTokenizer() {
        return new CodecConfig(64, new int[] {8, 5, 4, 2}, 1024, 2, 2, 3, 1, 1024, 8, 16000, false);
    }

    /**
     * EnCodec's 24 kHz model ({@code encodec_24khz-d7cc33bc.th}), from its code's defaults
     * ({@code EncodecModel._get_model}, {@code SEANetDecoder}): causal, N 32, strides [8,5,4,2], D 128,
     * codebooks of 1024, 32 levels (24 kbps; 1.5, 3, 6 and 12 kbps decode the first 2, 4, 8 and 16),
     * 75 frames per second.
     */
    public static CodecConfig encodec24khz() {
        return new CodecConfig(32, new int[] {8, 5, 4, 2}, 128, 2, 2, 3, 1, 1024, 32, 24000, true);
    }

    /**
     * Left and right padding of a stride-1 conv whose taps span {@code span + 1} frames: SEANet's
     * {@code SConv1d}, all on the left when causal, else {@code span - span/2} and {@code span/2}.
     */
    public int[] convPadding(int span) {
        return causal ? new int[] {span, 0} : new int[] {span - span / 2, span / 2};
    }

    /**
     * Samples trimmed from the left of transposed conv s's output (kernel 2r, stride r, r trimmed in
     * all): {@code SConvTranspose1d} trims ceil(r/2) on the left, or none when causal.
     */
    public int transposedTrimLeft(int stage) {
        return causal ? 0 : (strides[stage] + 1) / 2;
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    /** Stride r_s of stage s. */
    public int stride(int stage) {
        return strides[stage];
    }

    /** S, the number of upsampling stages. */
    public int stages() {
        return strides.length;
    }

    /** Samples per codec frame: the product of the strides (320 released). */
    public int hop() {
        int h = 1;
        for (int r : strides) {
            h *= r;
        }
        return h;
    }

    /** Codec frames per second: {@code sampleRate / hop} (50 Hz released). */
    public double frameRate() {
        return (double) sampleRate / hop();
    }

    /** The LSTM's width and the first conv's output channels: 2^S N (1024 released). */
    public int lstmWidth() {
        return nFilters << strides.length;
    }

    /** Channels entering stage s: 2^(S-s) N. */
    public int stageChannels(int stage) {
        return nFilters << (strides.length - stage);
    }

    /** Reads and validates a {@code config.json}; the message names the file and the key. */
    public static CodecConfig read(Path configJson) {
        return readFile(configJson).config();
    }

    /** A {@code config.json} as read: its text (for the keys it ignores, or to copy it) and its config. */
    record File(String json, CodecConfig config) {
    }

    /** {@link #read}, keeping the file's text too. */
    static File readFile(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (IOException e) {
            throw IoErrors.cannotRead("codec config " + configJson, e);
        }
        try {
            return new File(text, fromJson(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad codec config " + configJson + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON text of SpeechTokenizer's {@code config.json}; keys outside {@link #KEYS} are ignored. */
    public static CodecConfig fromJson(String json) {
        Map<?, ?> map = object(json);
        Object activation = map.get("activation");
        if (activation == null) {
            throw new IllegalArgumentException("missing key \"activation\"");
        }
        if (!"ELU".equals(activation)) {
            throw new IllegalArgumentException("activation \"" + activation + "\" is not supported (only \"ELU\")");
        }
        Object s = map.get("strides");
        if (s == null) {
            throw new IllegalArgumentException("missing key \"strides\"");
        }
        if (!(s instanceof List<?> list)) {
            throw new IllegalArgumentException("\"strides\" must be a list of integers, got " + s);
        }
        int[] strides = new int[list.size()];
        for (int i = 0; i < strides.length; i++) {
            strides[i] = integer("strides[" + i + "]", list.get(i));
        }
        return new CodecConfig(integer(map, "n_filters"), strides, integer(map, "dimension"),
                integer(map, "lstm_layers"), integer(map, "dilation_base"), integer(map, "residual_kernel_size"),
                integer(map, "n_residual_layers"), integer(map, "codebook_size"), integer(map, "n_q"),
                integer(map, "sample_rate"), causal(map.get("causal")));
    }

    private static boolean causal(Object value) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        throw new IllegalArgumentException("\"causal\" must be true or false, got " + value);
    }

    /** The keys of a {@code config.json} that the decoder does not read (the encoder's, the semantic teacher's), sorted. */
    public static List<String> ignoredKeys(String json) {
        List<String> ignored = new ArrayList<>();
        for (Object key : object(json).keySet()) {
            if (!KEYS.contains(key)) {
                ignored.add(String.valueOf(key));
            }
        }
        ignored.sort(null);
        return ignored;
    }

    /** Writes this config with SpeechTokenizer's key names (activation "ELU"). */
    public String toJson() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("n_filters", (long) nFilters);
        List<Object> s = new ArrayList<>();
        for (int r : strides) {
            s.add((long) r);
        }
        m.put("strides", s);
        m.put("dimension", (long) dimension);
        m.put("lstm_layers", (long) lstmLayers);
        m.put("dilation_base", (long) dilationBase);
        m.put("residual_kernel_size", (long) residualKernelSize);
        m.put("n_residual_layers", (long) nResidualLayers);
        m.put("activation", "ELU");
        m.put("codebook_size", (long) codebookSize);
        m.put("n_q", (long) nQ);
        m.put("sample_rate", (long) sampleRate);
        if (causal) {
            m.put("causal", true); // absent means false, as in SpeechTokenizer's own files
        }
        return Json.write(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodecConfig c && nFilters == c.nFilters && Arrays.equals(strides, c.strides)
                && dimension == c.dimension && lstmLayers == c.lstmLayers && dilationBase == c.dilationBase
                && residualKernelSize == c.residualKernelSize && nResidualLayers == c.nResidualLayers
                && codebookSize == c.codebookSize && nQ == c.nQ && sampleRate == c.sampleRate && causal == c.causal;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {nFilters, Arrays.hashCode(strides), dimension, lstmLayers, dilationBase,
                residualKernelSize, nResidualLayers, codebookSize, nQ, sampleRate, causal ? 1 : 0});
    }

    @Override
    public String toString() {
        return "n_filters " + nFilters + ", strides " + Arrays.toString(strides) + " (hop " + hop() + "), dimension "
                + dimension + ", lstm_layers " + lstmLayers + ", dilation_base " + dilationBase
                + ", residual_kernel_size " + residualKernelSize + ", n_residual_layers " + nResidualLayers
                + ", codebook_size " + codebookSize + ", n_q " + nQ + ", sample_rate " + sampleRate
                + (causal ? ", causal" : "");
    }

    private static Map<?, ?> object(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        return map;
    }
}
