package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.soundstorm4j.io.Json;

/** {@link ReceptiveField} against the analytic and empirically checked figures of {@code small/} and {@code released/receptive_field.json}. */
class ReceptiveFieldTest {
    @ParameterizedTest
    @ValueSource(strings = {"small", "released"})
    void matchesTheReferenceFigures(String dir) throws Exception {
        var folder = CodecContract.resource(dir);
        CodecConfig config = dir.equals("small") ? CodecConfig.read(folder.resolve("config.json"))
                : CodecContract.releasedConfig();
        Map<?, ?> analytic = (Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(folder.resolve("receptive_field.json"))))
                .get("analytic");
        ReceptiveField f = ReceptiveField.of(config);
        assertEquals(num(analytic.get("hop_samples")), f.hop());
        assertEquals(num(((Map<?, ?>) analytic.get("pre_lstm_conv_frames")).get("left")), f.preLstmLeft());
        assertEquals(num(((Map<?, ?>) analytic.get("pre_lstm_conv_frames")).get("right")), f.preLstmRight());
        Map<?, ?> post = (Map<?, ?>) analytic.get("post_lstm_frames");
        assertEquals(num(post.get("left")), f.postLstmLeft());
        assertEquals(num(post.get("right")), f.postLstmRight());
        assertRuns("left", (List<?>) post.get("left_by_phase"), f.leftByPhase());
        assertRuns("right", (List<?>) post.get("right_by_phase"), f.rightByPhase());
        assertEquals(num(analytic.get("lookahead_frames")), f.lookaheadFrames());
        assertEquals(num(analytic.get("holdback_samples")), f.holdbackSamples());
    }

    /**
     * EnCodec's causal decoder: the samples that EnCodec's own modules changed when one input frame
     * and one LSTM-output frame were perturbed (float64, encodec_small/receptive_field.json) are
     * exactly those this field predicts, and nothing depends on a later frame.
     */
    @org.junit.jupiter.api.Test
    void theCausalFieldPredictsWhatEncodecsPerturbedDecodeChanged() throws Exception {
        var folder = CodecContract.resource("encodec_small");
        ReceptiveField f = ReceptiveField.of(CodecConfig.read(folder.resolve("config.json")));
        Map<?, ?> emp = (Map<?, ?>) Json.parse(Files.readString(folder.resolve("receptive_field.json")));
        int frames = num(emp.get("frames"));
        int t0 = num(emp.get("perturbed_frame"));
        int hop = f.hop();
        assertEquals(num(emp.get("hop_samples")), hop);
        assertEquals(6, f.preLstmLeft());
        assertEquals(0, f.preLstmRight());
        assertEquals(0, f.lookaheadFrames());
        assertEquals(0, f.holdbackSamples());
        int firstFromInput = -1;
        int first = -1;
        int last = -1;
        int count = 0;
        int[] left = f.leftByPhase();
        int[] right = f.rightByPhase();
        for (int n = 0; n < frames * hop; n++) {
            int frame = n / hop;
            int p = n % hop;
            if (firstFromInput < 0 && frame + right[p] + f.preLstmRight() >= t0) {
                firstFromInput = n;
            }
            if (frame - left[p] <= t0 && t0 <= frame + right[p]) {
                first = first < 0 ? n : first;
                last = n;
                count++;
            }
        }
        assertEquals(List.of(firstFromInput, frames * hop - 1), nums((List<?>) emp.get("decoder_input_changed_samples")));
        assertEquals(List.of(first, last), nums((List<?>) emp.get("lstm_output_changed_samples")));
        assertEquals(num(emp.get("lstm_output_changed_count")), count);
    }

    private static List<Integer> nums(List<?> values) {
        return values.stream().map(ReceptiveFieldTest::num).toList();
    }

    /** Runs {@code [firstPhase, lastPhase, value]} covering every phase. */
    private static void assertRuns(String what, List<?> runs, int[] byPhase) {
        int covered = 0;
        for (Object o : runs) {
            List<?> run = (List<?>) o;
            for (int p = num(run.get(0)); p <= num(run.get(1)); p++) {
                assertEquals(num(run.get(2)), byPhase[p], what + " at phase " + p);
                covered++;
            }
        }
        assertEquals(byPhase.length, covered, what + ": phases covered");
    }

    private static int num(Object o) {
        return ((Number) o).intValue();
    }
}
