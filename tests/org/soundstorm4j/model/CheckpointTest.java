package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.SafeTensorsWriter;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;

/** Broken model directories are refused with a message that names the problem. */
class CheckpointTest {
    private static final Path GOLDEN = GoldenLogitsTest.dir("public_small");
    private static final String SOME_TENSOR = "net.conformer.layers.1.attn.fn.to_q.weight";

    @TempDir
    Path dir;

    /** Copies the golden model into {@code dir}, dropping tensors that match {@code drop}, plus edits. */
    private void copyModel(Predicate<String> drop, SafeTensorsWriter extra) throws IOException {
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter w = extra;
        try (SafeTensors st = SafeTensors.open(GOLDEN.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                if (!drop.test(name)) {
                    TensorView t = st.tensor(name);
                    w.add(name, DType.F32, t.shape(), t.toFloats());
                }
            }
        }
        w.write(dir.resolve("model.safetensors"));
    }

    private String refusal() {
        return assertThrows(RuntimeException.class, () -> Checkpoint.open(dir).close()).getMessage();
    }

    @Test
    void anIntactCopyOpens() throws IOException {
        copyModel(name -> false, new SafeTensorsWriter());
        Checkpoint.open(dir).close();
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        copyModel(SOME_TENSOR::equals, new SafeTensorsWriter());
        String m = refusal();
        assertTrue(m.contains("missing tensor " + SOME_TENSOR), m);
    }

    @Test
    void wrongShapeIsNamedWithBothShapes() throws IOException {
        copyModel(SOME_TENSOR::equals, new SafeTensorsWriter().add(SOME_TENSOR, DType.F32, new long[] {64, 63},
                new float[64 * 63]));
        String m = refusal();
        assertTrue(m.contains(SOME_TENSOR + " has shape [64, 63], config implies [64, 64]"), m);
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        copyModel(name -> false, new SafeTensorsWriter().add("net.rogue.weight", DType.F32, new long[] {2}, new float[2]));
        String m = refusal();
        assertTrue(m.contains("unexpected tensor net.rogue.weight"), m);
    }

    @Test
    void halfPrecisionWeightsLoad() throws IOException {
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(GOLDEN.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                w.add(name, DType.BF16, st.tensor(name).shape(), st.tensor(name).toFloats());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        Checkpoint.open(dir).close();
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        byte[] bytes = Files.readAllBytes(GOLDEN.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        String m = refusal();
        assertTrue(m.contains("model.safetensors"), m);
    }

    @Test
    void badHeaderIsRefused() throws IOException {
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        writeRaw("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", 8);
        String m = refusal();
        assertTrue(m.contains("JSON"), m);
    }

    @Test
    void unsupportedDtypeIsNamed() throws IOException {
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        writeRaw("{\"" + SOME_TENSOR + "\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8);
        String m = refusal();
        assertTrue(m.contains("I64") && m.contains(SOME_TENSOR), m);
    }

    @Test
    void missingFilesAndDirectoryAreNamed() throws IOException {
        String m = assertThrows(WeightsException.class, () -> Checkpoint.open(dir.resolve("nope"))).getMessage();
        assertTrue(m.contains("does not exist"), m);
        Files.copy(GOLDEN.resolve("config.json"), dir.resolve("config.json"));
        m = assertThrows(WeightsException.class, () -> Checkpoint.open(dir)).getMessage();
        assertTrue(m.contains("has no model.safetensors"), m);
    }

    @Test
    void configThatDisagreesWithTheWeightsIsRefused() throws IOException {
        copyModel(name -> false, new SafeTensorsWriter());
        String config = Files.readString(dir.resolve("config.json")).replace("\"depth\": 2", "\"depth\": 3");
        Files.writeString(dir.resolve("config.json"), config);
        String m = refusal();
        assertTrue(m.contains("missing tensor net.conformer.layers.2."), m);
    }

    private void writeRaw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(dir.resolve("model.safetensors"), b.array());
    }
}
