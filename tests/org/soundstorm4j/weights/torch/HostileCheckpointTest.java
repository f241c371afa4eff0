package org.soundstorm4j.weights.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.weights.torch.Crafted.Pickle;

/**
 * Hand-crafted hostile .pt files (issue 14): each is refused with a WeightsException naming the
 * file, in well under a second and ~100 MB, with no Error escaping (see {@link Crafted#refusedCheaply}).
 */
class HostileCheckpointTest {
    @TempDir
    Path tmp;

    private String refusal(String name, byte[] pickle) {
        Path file = Crafted.write(tmp.resolve(name), pickle, Map.of(), false);
        return Crafted.refusedCheaply(file, () -> TorchCheckpoint.open(file).close());
    }

    @Test
    void sharedTupleKeyIsNotHashed() {
        // t = (); 30 times t = (t, t): hashing it visits 2^30 tuples.
        Pickle p = new Pickle().op('}', ')').repeat(30, 'q', 0, 'h', 0, 0x86);
        String m = refusal("shared_key.pt", p.op('N', 's').stop());
        assertTrue(m.contains("dict key of type tuple of 2 is not supported (only str keys)"), m);
    }

    @Test
    void cyclicValueIsRefused() {
        // l = []; t = (l,); l.append(t); {t: l}: hashing t recurses forever.
        Pickle p = new Pickle().op('}', ']').put(1).op(0x85).put(2).get(1).get(2).op('a', 's');
        String m = refusal("cyclic_key.pt", p.stop());
        assertTrue(m.contains("(APPEND): adding to a list of 0 that is already inside another container"), m);
    }

    @Test
    void deepTupleIsRefusedAtTheDepthLimit() {
        Pickle p = new Pickle().op('}', ')').repeat(1_000_000, 0x85);
        String m = refusal("deep_key.pt", p.op('N', 's').stop());
        assertTrue(m.contains("values nested more than 32 deep (MAX_DEPTH"), m);
    }

    @Test
    void tooManyValuesAreRefusedAtTheLimit() {
        // 32 M NONEs: a stack of 32 M references (128 MB and more) before the STOP that refuses it.
        Pickle p = new Pickle().repeat(32 << 20, 'N');
        String m = refusal("many_values.pt", p.stop());
        assertTrue(m.contains("more than 1048576 values pushed or memoized (MAX_VALUES"), m);
    }

    @Test
    void aStrideZeroViewIsNotGatheredBeforeItsShapeIsChecked() {
        // 2^30 elements viewing one float: gathering it took 4 GB and 10 s.
        byte[] pickle = Crafted.stateDict("semantic_token_emb.weight", "FloatStorage", 1, 0,
                new long[] {1 << 15, 1 << 15}, new long[] {0, 0});
        Path file = Crafted.write(tmp.resolve("stride0.pt"), pickle, Map.of("0", new byte[4]), false);
        String m = Crafted.refusedCheaply(file, () -> Checkpoint.open(file).close());
        assertTrue(m.contains("needed to infer the config"), m);
    }

    @ParameterizedTest
    @ValueSource(ints = {61, 62})
    void elementCountsBeyondAddressableBytesNameTheTensor(int log2) {
        byte[] pickle = Crafted.stateDict("w", "FloatStorage", 1, 0, new long[] {1L << log2}, new long[] {0});
        Path file = Crafted.write(tmp.resolve("huge" + log2 + ".pt"), pickle, Map.of("0", new byte[4]), false);
        String m = Crafted.refusedCheaply(file, () -> TorchCheckpoint.open(file).close());
        assertTrue(m.contains("tensor 'w': shape [" + (1L << log2) + "] stride [0] of F32 overflows 64-bit indexing"), m);
    }

    @Test
    void aDeflatedPickleBombIsRefusedBeforeItIsInflated() {
        // PROTO 2, 2^30 NONEs, STOP: 1 GB once inflated, 6.5 MB deflated.
        Path file = Crafted.writeRaw(tmp.resolve("pickle_bomb.pt"), Crafted.deflatedRun("archive/data.pkl",
                new byte[] {(byte) 0x80, 2}, (byte) 'N', 1L << 30, new byte[] {'.'}));
        String m = Crafted.refusedCheaply(file, () -> TorchCheckpoint.open(file).close());
        assertTrue(m.contains("zip entry archive/data.pkl is deflated to") && m.contains("states 1073741827 inflated,"
                + " more than the 67108864 bytes it may need"), m);
    }

    @Test
    void aDeflatedStorageBombIsRefusedBeforeItIsInflated() {
        // A storage of 2^28 floats (1 GiB of zeros, 6.5 MB deflated) under a tensor of 4.
        byte[] pickle = Crafted.stateDict("w", "FloatStorage", 1 << 28, 0, new long[] {4}, new long[] {1});
        Path file = Crafted.writeRaw(tmp.resolve("storage_bomb.pt"), Crafted.RawEntry.stored("archive/data.pkl", pickle),
                Crafted.deflatedRun("archive/data/0", new byte[0], (byte) 0, 1L << 30, new byte[0]));
        String m = Crafted.refusedCheaply(file, () -> TorchCheckpoint.open(file).close());
        assertTrue(m.contains("deflated storage entry archive/data/0 states 1073741824 bytes, bringing the deflated"
                + " storages to 1073741824 bytes, more than the 16 bytes all the state_dict's tensors hold"), m);
    }

    @Test
    void aHandAssembledDeflatedStorageWithinItsTensorsIsRead() {
        // The same assembler as the bombs, on a valid file: 1.5f, then 999 zeros.
        byte[] pickle = Crafted.stateDict("w", "FloatStorage", 1000, 0, new long[] {1000}, new long[] {1});
        byte[] first = {0, 0, (byte) 0xC0, 0x3F};
        Path file = Crafted.writeRaw(tmp.resolve("deflated_ok.pt"), Crafted.RawEntry.stored("archive/data.pkl", pickle),
                Crafted.deflatedRun("archive/data/0", first, (byte) 0, 3996, new byte[0]));
        try (TorchCheckpoint pt = TorchCheckpoint.open(file)) {
            float[] expected = new float[1000];
            expected[0] = 1.5f;
            assertArrayEquals(expected, pt.tensor("w").toFloats());
        }
    }
}
