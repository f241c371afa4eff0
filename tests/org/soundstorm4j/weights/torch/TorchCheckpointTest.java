package org.soundstorm4j.weights.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.SafeTensors;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;

/**
 * The .pt reader on files written by torch.save (tests/resources/torch/make_fixtures.py): the
 * public layout, strided and shared storages, deflated entries; and hostile or broken files,
 * each refused with a message that names the problem.
 */
class TorchCheckpointTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(TorchCheckpointTest.class.getResource("/torch/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String refusal(Path file) {
        return assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file).close()).getMessage();
    }

    @Test
    void publicLayoutHoldsTheGoldenTensorsBitForBit() throws URISyntaxException {
        Path golden = Path.of(TorchCheckpointTest.class.getResource("/golden/public_small/model.safetensors").toURI());
        try (TorchCheckpoint pt = TorchCheckpoint.open(fixture("public_small.pt"));
             SafeTensors st = SafeTensors.open(golden)) {
            assertEquals(st.names(), pt.names());
            for (String name : st.names()) {
                TensorView a = st.tensor(name);
                TensorView b = pt.tensor(name);
                assertEquals(DType.F32, b.dtype(), name);
                assertArrayEquals(a.shape(), b.shape(), name);
                assertArrayEquals(a.toFloats(), b.toFloats(), name);
            }
            assertEquals(List.of("skipped the state_dict's _metadata attribute (module versions for load_state_dict;"
                    + " not weights)"), pt.notes());
        }
    }

    /** base[i][j][k] = 20 i + 5 j + k, as in make_fixtures.py. */
    private static float base(long i, long j, long k) {
        return 20 * i + 5 * j + k;
    }

    @Test
    void stridedAndOffsetViewsAreGatheredInCOrder() {
        try (TorchCheckpoint pt = TorchCheckpoint.open(fixture("strided.pt"))) {
            TensorView transposed = pt.tensor("transposed"); // base.permute(2, 0, 1): [5, 3, 4]
            assertArrayEquals(new long[] {5, 3, 4}, transposed.shape());
            float[] t = transposed.toFloats();
            for (int k = 0; k < 5; k++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertEquals(base(i, j, k), t[(k * 3 + i) * 4 + j]);
                    }
                }
            }
            float[] stepped = pt.tensor("stepped").toFloats(); // base[:, ::2, 1::2]: [3, 2, 2]
            assertArrayEquals(new long[] {3, 2, 2}, pt.tensor("stepped").shape());
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int k = 0; k < 2; k++) {
                        assertEquals(base(i, 2 * j, 1 + 2 * k), stepped[(i * 2 + j) * 2 + k]);
                    }
                }
            }
            float[] offset = pt.tensor("offset").toFloats(); // base.view(-1)[7:19].view(3, 4)
            for (int n = 0; n < 12; n++) {
                assertEquals(7 + n, offset[n]);
            }
            assertEquals(59f, pt.tensor("whole").toFloats()[59]);
            TensorView half = pt.tensor("half_t"); // arange(6, f16).reshape(2, 3).t(): [3, 2]
            assertEquals(DType.F16, half.dtype());
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, half.toFloats());
            assertEquals(DType.BF16, pt.tensor("bf16").dtype());
            assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, pt.tensor("bf16").toFloats());
            assertEquals(List.of(), pt.notes());
        }
    }

    @Test
    void tensorsSharingAStorageViewItInPlace() {
        try (TorchCheckpoint pt = TorchCheckpoint.open(fixture("shared.pt"))) {
            TensorView w = pt.tensor("w");
            TensorView row = pt.tensor("w_row1");
            assertArrayEquals(new float[] {4, 5, 6, 7}, row.toFloats());
            assertArrayEquals(new float[] {100, 101, 102}, pt.tensor("v").toFloats());
            // One storage, mapped once: the row is the matrix's bytes 16..31, not a copy.
            assertEquals(w.data().address() + 16, row.data().address());
        }
    }

    @Test
    void deflatedEntriesAreInflated() throws IOException {
        Path deflated = tmp.resolve("deflated.pt");
        try (ZipFile in = new ZipFile(fixture("strided.pt").toFile());
             OutputStream os = Files.newOutputStream(deflated);
             ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        try (TorchCheckpoint a = TorchCheckpoint.open(fixture("strided.pt"));
             TorchCheckpoint b = TorchCheckpoint.open(deflated)) {
            for (String name : a.names()) {
                assertArrayEquals(a.tensor(name).toFloats(), b.tensor(name).toFloats(), name);
            }
        }
    }

    @Test
    void anyArchiveFolderNameIsAccepted() throws IOException {
        // torch names the folder after the file it wrote; a renamed file keeps the old folder name.
        Path renamed = tmp.resolve("SoundStorm_best_dev.pt");
        Files.copy(fixture("shared.pt"), renamed);
        try (TorchCheckpoint pt = TorchCheckpoint.open(renamed)) {
            assertEquals(3, pt.names().size());
        }
    }

    @Test
    void unknownGlobalIsRefusedBeforeAnythingRuns() {
        String m = refusal(fixture("os_system.pt"));
        assertTrue(m.contains("archive/data.pkl") && m.contains("global os.system is not allowed"), m);
    }

    @Test
    void int64StorageIsRefused() {
        String m = refusal(fixture("int64_storage.pt"));
        assertTrue(m.contains("storage 0 is torch.LongStorage (int64): weights must be float32, float16 or bfloat16"), m);
    }

    @Test
    void viewBeyondItsStorageIsRefused() {
        String m = refusal(fixture("out_of_range.pt"));
        assertTrue(m.contains("tensor 'w'") && m.contains("reach element 11, out of range of its storage"
                + " archive/data/0 of 6 elements"), m);
    }

    @Test
    void missingStorageEntryIsRefused() {
        String m = refusal(fixture("missing_storage.pt"));
        assertTrue(m.contains("missing storage entry archive/data/0"), m);
    }

    @Test
    void aPickledListIsNotAStateDict() {
        String m = refusal(fixture("list.pt"));
        assertTrue(m.contains("holds a list of 1, not a state_dict"), m);
    }

    @Test
    void aTrainingCheckpointIsNotAPlainStateDict() {
        String m = refusal(fixture("training.pt"));
        assertTrue(m.contains("state_dict entry 'model' is a dict of 1, not a tensor"), m);
    }

    @Test
    void legacyFormatIsRefusedByName() {
        String m = refusal(fixture("legacy.pt"));
        assertTrue(m.contains("legacy (pre-1.6, non-zip) checkpoint format is not supported"), m);
    }

    @Test
    void truncatedArchiveIsRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(fixture("public_small.pt"));
        Path cut = tmp.resolve("cut.pt");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        String m = refusal(cut);
        assertTrue(m.contains("cut.pt") && m.contains("no zip end-of-central-directory record"), m);
    }

    @Test
    void storageEntryOfTheWrongSizeIsRefused() throws IOException {
        // A central directory that lies about an entry's size (as a file cut inside a storage and
        // patched up would): the bytes no longer match the storage's element count.
        Path patched = tmp.resolve("patched.pt");
        try (ZipFile in = new ZipFile(fixture("shared.pt").toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(patched))) {
            out.setMethod(ZipOutputStream.STORED);
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] data = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith("/data/0")) {
                    data = Arrays.copyOf(data, data.length - 4);
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setSize(data.length);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(data);
                copy.setCrc(crc.getValue());
                out.putNextEntry(copy);
                out.write(data);
                out.closeEntry();
            }
        }
        String m = refusal(patched);
        assertTrue(m.contains("storage entry shared/data/0 holds 44 bytes but torch.FloatStorage of 12 elements needs 48"), m);
    }

    @Test
    void notAZipIsRefused() throws IOException {
        Path junk = tmp.resolve("junk.pt");
        Files.writeString(junk, "hello, not a checkpoint");
        String m = refusal(junk);
        assertTrue(m.contains("junk.pt: not a PyTorch checkpoint"), m);
    }
}
