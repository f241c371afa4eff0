package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelConfigTest {
    private static final String DEMO = """
            {"dim": 64, "depth": 2, "heads": 4, "dim_head": 16, "ff_mult": 4, "conv_expansion_factor": 2,
             "conv_kernel_size": 31, "num_quantizers": 4, "codebook_size": 64, "num_semantic_tokens": 64,
             "semantic_rate_ratio": 1, "logit_head": "projected"}""";

    @Test
    void readsEveryField() {
        ModelConfig c = ModelConfig.fromJson(DEMO);
        assertEquals(new ModelConfig(64, 2, 4, 16, 4, 2, 31, 4, 64, 64, 1, LogitHead.PROJECTED), c);
        assertEquals(64, c.maskId());
        assertEquals(64, c.innerDim());
        assertEquals(256, c.ffDim());
        assertEquals(128, c.convDim());
    }

    @Test
    void bothNamedConfigurationsSurviveAJsonRoundTrip() {
        for (ModelConfig c : new ModelConfig[] {ModelConfig.publicCheckpoint(), ModelConfig.paper()}) {
            assertEquals(c, ModelConfig.fromJson(c.toJson()));
        }
    }

    /** The counts that weights/make_checkpoint.py printed from PyTorch's own modules. */
    @Test
    void parameterCountsMatchThePyTorchReference() {
        assertEquals(351_378_432L, ModelConfig.publicCheckpoint().parameterCount());
        assertEquals(353_886_208L, ModelConfig.paper().parameterCount());
        assertEquals(278_912L, ModelConfig.fromJson(DEMO).parameterCount());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"dim\": 64, | \"dim\": 0, | dim must be in [1, 65536], got 0",
            "\"dim_head\": 16, | \"dim_head\": 15, | dim_head must be even",
            "\"depth\": 2, | | missing key \"depth\"",
            "\"depth\": 2, | \"depth\": 2.5, | \"depth\" must be an integer",
            "\"depth\": 2, | \"depth\": 2, \"depht\": 3, | unknown key \"depht\"",
            "\"projected\" | \"shared\" | logit_head must be \"projected\" or \"dense\"",
            "\"codebook_size\": 64, | \"codebook_size\": 1, | codebook_size must be in [2, 1048576], got 1"})
    void rejectsBadConfigsNamingTheKey(String from, String to, String message) {
        String json = DEMO.replace(from, to == null ? "" : to);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(json));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** Values that used to overflow a frame count or run out of memory long after the config was read (issue 14). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"semantic_rate_ratio\": 1, | \"semantic_rate_ratio\": 268435456, | semantic_rate_ratio must be in [1, 64], got 268435456",
            "\"semantic_rate_ratio\": 1, | \"semantic_rate_ratio\": 536870912, | semantic_rate_ratio must be in [1, 64], got 536870912",
            "\"depth\": 2, | \"depth\": 1073741824, | depth must be in [1, 1024], got 1073741824"})
    void rejectsValuesOutsideTheirRange(String from, String to, String message) {
        rejectsBadConfigsNamingTheKey(from, to, message);
    }

    @Test
    void rejectsAnAttentionProjectionBeyond32BitIndexing() {
        // to_q is [heads * dim_head, dim] = [2^16, 2^16]: every value in range, the tensor not.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(1 << 16, 1, 1024, 64, 1, 1, 3, 1, 2, 1, 1, LogitHead.DENSE));
        assertTrue(e.getMessage().contains("config too large for 32-bit indexing: 4294967296 elements"), e.getMessage());
    }

    @Test
    void frameCountsDoNotOverflow() {
        ModelConfig c = ModelConfig.fromJson(DEMO.replace("\"semantic_rate_ratio\": 1", "\"semantic_rate_ratio\": 64"));
        assertEquals(64 * 1000, c.frames(1000));
        assertEquals(ModelConfig.MAX_FRAMES / 64 * 64, c.frames(ModelConfig.MAX_FRAMES / 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.frames(1L << 26));
        assertTrue(e.getMessage().contains("67108864 semantic ids x semantic_rate_ratio 64 are more than the 2147483639"
                + " codec frames one utterance may have"), e.getMessage());
    }

    @Test
    void rejectsMalformedJson() {
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("{\"dim\": 64,"));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("[1, 2]"));
    }
}
