package org.soundstorm4j.codec;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.opencl.OpenClBackend;
import org.soundstorm4j.backend.opencl.OpenClDevice;

/** The codec on the OpenCL backend (PoCL on a machine without a GPU); skipped with the reason where none runs. */
class OpenClCodecTest extends CodecContract {
    @Override
    protected Backend createBackend() {
        OpenClDevice.require();
        return new OpenClBackend();
    }
}
