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
        assertEquals(num(((Map<?, ?>) analytic.get("pre_lstm_conv_frames")).get("left")), f.preLstmFrames());
        Map<?, ?> post = (Map<?, ?>) analytic.get("post_lstm_frames");
        assertEquals(num(post.get("left")), f.postLstmLeft());
        assertEquals(num(post.get("right")), f.postLstmRight());
        assertRuns("left", (List<?>) post.get("left_by_phase"), f.leftByPhase());
        assertRuns("right", (List<?>) post.get("right_by_phase"), f.rightByPhase());
        assertEquals(num(analytic.get("lookahead_frames")), f.lookaheadFrames());
        assertEquals(num(analytic.get("holdback_samples")), f.holdbackSamples());
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
