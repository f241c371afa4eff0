package org.soundstorm4j.weights.torch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
}
