package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CodecPairingTest {
    private static final String BASE = """
            {"dim": 64, "depth": 2, "heads": 4, "dim_head": 16, "ff_mult": 4, "conv_expansion_factor": 2,
             "conv_kernel_size": 31, "num_quantizers": 7, "codebook_size": 1024, "num_semantic_tokens": 1024,
             "semantic_rate_ratio": 1, "logit_head": "projected\"""";

    @Test
    void configJsonSaysHowLevelsLineUpAndDefaultsToAllAcoustic() {
        assertEquals(CodecPairing.ALL_ACOUSTIC, ModelConfig.fromJson(BASE + "}").codecPairing());
        ModelConfig paired = ModelConfig.fromJson(BASE + ", \"codec_pairing\": \"semantic_is_level_0\"}");
        assertEquals(CodecPairing.SEMANTIC_IS_LEVEL_0, paired.codecPairing());
        assertEquals(paired, ModelConfig.fromJson(paired.toJson()));
        assertEquals(CodecPairing.SEMANTIC_IS_LEVEL_0, ModelConfig.publicCheckpoint().codecPairing());
        assertEquals(CodecPairing.ALL_ACOUSTIC, ModelConfig.paper().codecPairing());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(BASE + ", \"codec_pairing\": \"level_1\"}"));
        assertTrue(bad.getMessage().contains("codec_pairing"), bad.getMessage());
    }

    @Test
    void thePublicPairingNeedsQPlusOneCodecLevelsAndNamesBothNumbers() {
        ModelConfig pub = ModelConfig.publicCheckpoint();
        assertEquals(8, pub.codecPairing().codecLevels(pub));
        pub.codecPairing().check(pub, 8, 1024);
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> pub.codecPairing().check(pub, 7, 1024));
        assertTrue(few.getMessage().contains("fills 8 codec levels") && few.getMessage().contains("the codec has 7"),
                few.getMessage());
        IllegalArgumentException codebook = assertThrows(IllegalArgumentException.class,
                () -> pub.codecPairing().check(pub, 8, 512));
        assertTrue(codebook.getMessage().contains("1024") && codebook.getMessage().contains("512"), codebook.getMessage());
    }

    @Test
    void allAcousticLevelsNeedQCodecLevelsAndLevelZeroNeedsTheCodecsRate() {
        ModelConfig paper = ModelConfig.paper();
        assertEquals(12, paper.codecPairing().codecLevels(paper));
        paper.codecPairing().check(paper, 12, 1024);
        assertThrows(IllegalArgumentException.class, () -> paper.codecPairing().check(paper, 11, 1024));
        ModelConfig halfRate = new ModelConfig(64, 2, 4, 16, 4, 2, 31, 7, 1024, 1024, 2, LogitHead.PROJECTED,
                CodecPairing.SEMANTIC_IS_LEVEL_0);
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> halfRate.codecPairing().check(halfRate, 8, 1024));
        assertTrue(rate.getMessage().contains("semantic_rate_ratio is 2"), rate.getMessage());
    }
}
