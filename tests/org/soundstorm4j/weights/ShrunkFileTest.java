package org.soundstorm4j.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A weights file truncated while it is mapped (issue 14): reading a tensor whose pages are gone
 * is a WeightsException naming the file, not the JVM's InternalError from the faulting copy.
 */
class ShrunkFileTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(DType.class)
    void readingATensorOfATruncatedFileNamesTheFile(DType dtype) throws IOException {
        Path file = tmp.resolve("shrinks.safetensors");
        float[] values = new float[1 << 16]; // many pages, all past the new end
        new SafeTensorsWriter().add("w", dtype, new long[] {values.length}, values).write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            TensorView w = st.tensor("w");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            WeightsException e = assertThrows(WeightsException.class, w::toFloats);
            assertTrue(e.getMessage().contains(file + ": the file changed while it was open"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"transposed", "whole"})
    void gatheringOrViewingATensorOfATruncatedCheckpointNamesTheFile(String tensor) throws Exception {
        Path file = tmp.resolve("shrinks.pt");
        Files.copy(Path.of(ShrunkFileTest.class.getResource("/torch/strided.pt").toURI()), file);
        try (TorchCheckpoint pt = TorchCheckpoint.open(file)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            // "transposed" is gathered on first use; "whole" views the mapping in place.
            WeightsException e = assertThrows(WeightsException.class, () -> pt.tensor(tensor).toFloats());
            assertTrue(e.getMessage().contains(file + ": the file changed while it was open"), e.getMessage());
        }
    }
}
