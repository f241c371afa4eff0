package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodingContract;

/**
 * The decoding contract on the CPU backend itself: rows with their own steps equal each row alone
 * and the oracles, selectRows, the mixed-level forward pass (its transfers are not counted).
 */
class CpuDecodingTest extends DecodingContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }

    @Override
    protected long[] transfers(Backend backend) {
        return null;
    }
}
