package org.soundstorm4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.TestModels;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.codec.Codec;
import org.soundstorm4j.codec.CodecInput;
import org.soundstorm4j.io.Wav;
import org.soundstorm4j.model.CodecPairing;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;

/**
 * With a codec, each row's {@code wav} holds the codec's decode of that row's tokens, semantic ids as
 * level 0 (the public pairing), on a random model paired with the small SpeechTokenizer fixture.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SparkAudioTest {
    private static final Path SMALL = Path.of("tests/resources/codec/small");
    private static final ModelConfig PUBLIC_PAIRING = new ModelConfig(32, 1, 2, 16, 2, 2, 5, 7, 16, 16, 1,
            LogitHead.PROJECTED, CodecPairing.SEMANTIC_IS_LEVEL_0);

    @TempDir
    static Path tmp;
    private static SparkSession spark;
    private static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTests.session();
        model = TestModels.random(tmp.resolve("model"), PUBLIC_PAIRING, 3);
    }

    @AfterAll
    static void stop() {
        ExecutorModels.closeAll();
        if (spark != null) {
            spark.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static int[] semantic(List<Row> input, String id) {
        Row row = input.stream().filter(x -> x.getString(0).equals(id)).findFirst().orElseThrow();
        return ((List<Integer>) row.get(1)).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void eachRowsWavIsTheCodecsDecodeOfItsTokens() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("semantic", DataTypes.createArrayType(DataTypes.IntegerType));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<Integer> ids = new ArrayList<>();
            for (int j = 0; j < 5 + 3 * i; j++) {
                ids.add((i * 7 + j * 3) % 16);
            }
            rows.add(RowFactory.create("a" + i, ids));
        }
        rows.add(RowFactory.create("bad", List.of(99)));
        SparkGenerationOptions options = SparkGenerationOptions.of(model.toString()).withCodec(SMALL.toString())
                .withBackend("cpu").withBatch(4);
        List<Row> out = SparkGeneration.generate(spark.createDataFrame(rows, schema).repartition(2), options)
                .collectAsList();
        assertEquals(7, out.size());
        try (Codec codec = Codec.load(SMALL, new CpuBackend(1))) {
            for (Row r : out) {
                if (r.getString(0).equals("bad")) {
                    assertTrue(r.getString(3).contains("semantic id"), r.getString(3));
                    assertNull(r.get(4), "a bad row has no audio");
                    continue;
                }
                int[][] tokens = SparkTests.tokens(r);
                int[] semantic = semantic(rows, r.getString(0));
                float[] want = codec.decode(CodecInput.stack(List.of(semantic), List.<int[][]>of(tokens)))[0];
                Path file = tmp.resolve(r.getString(0) + ".wav");
                Files.write(file, (byte[]) r.get(4));
                Wav.Audio audio = Wav.read(file);
                assertEquals(codec.config().sampleRate(), audio.sampleRate());
                assertEquals(want.length, audio.samples().length, r.getString(0));
                for (int s = 0; s < want.length; s++) {
                    float clamped = Math.max(-1, Math.min(1, want[s]));
                    assertEquals(clamped, audio.samples()[s], 1.01 / 32767, r.getString(0) + " sample " + s);
                }
            }
        }
    }
}
