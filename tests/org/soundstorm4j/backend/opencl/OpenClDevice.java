package org.soundstorm4j.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * Whether the OpenCL tests can run: probed once. Without a device they skip with the reason, and
 * with {@code -Dopencl.required=true} (CI, which installs PoCL) they fail instead.
 */
public final class OpenClDevice {
    private static final String UNAVAILABLE = OpenClBackend.unavailableReason();

    private OpenClDevice() {
    }

    /** Skips (or, when required, fails) the calling test if OpenCL cannot run here. */
    public static void require() {
        if (UNAVAILABLE != null && Boolean.getBoolean("opencl.required")) {
            fail("-Dopencl.required=true but " + UNAVAILABLE);
        }
        Assumptions.assumeTrue(UNAVAILABLE == null, () -> "OpenCL tests skipped: " + UNAVAILABLE);
    }
}
