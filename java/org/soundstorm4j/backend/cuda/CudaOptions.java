package org.soundstorm4j.backend.cuda;

/**
 * How a {@link CudaBackend} runs.
 *
 * @param device      CUDA device ordinal
 * @param precision   how matrix products multiply (and whether attention uses tensor cores)
 * @param fastKernels use the CUDA-only kernels (tensor-core attention in TF32/BF16, warp scoring)
 *                    where they apply; false: only the portable kernels, bit for bit the OpenCL ones
 * @param graphs      record each decoding iteration as a CUDA graph and replay it
 */
public record CudaOptions(int device, MatmulPrecision precision, boolean fastKernels, boolean graphs) {
    public static final String DEVICE_PROPERTY = "soundstorm4j.cuda.device";
    public static final String PRECISION_PROPERTY = "soundstorm4j.cuda.precision";
    public static final String FAST_KERNELS_PROPERTY = "soundstorm4j.cuda.fastKernels";
    public static final String GRAPHS_PROPERTY = "soundstorm4j.cuda.graphs";

    public CudaOptions {
        if (device < 0) {
            throw new IllegalArgumentException("CUDA device ordinal " + device + " is negative");
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision is null");
        }
    }

    /** Device 0, FP32, fast kernels, graphs. */
    public static CudaOptions defaults() {
        return new CudaOptions(0, MatmulPrecision.FP32, true, true);
    }

    /**
     * The defaults overridden by {@code -Dsoundstorm4j.cuda.device}, {@code .precision}
     * (fp32|tf32|bf16), {@code .fastKernels} and {@code .graphs} (true|false).
     */
    public static CudaOptions fromSystemProperties() {
        CudaOptions d = defaults();
        String device = System.getProperty(DEVICE_PROPERTY);
        int ordinal = d.device();
        if (device != null) {
            try {
                ordinal = Integer.parseInt(device.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + DEVICE_PROPERTY + "=" + device + " is not a device ordinal");
            }
        }
        String precision = System.getProperty(PRECISION_PROPERTY);
        return new CudaOptions(ordinal, precision == null ? d.precision() : MatmulPrecision.parse(precision),
                flag(FAST_KERNELS_PROPERTY, d.fastKernels()), flag(GRAPHS_PROPERTY, d.graphs()));
    }

    private static boolean flag(String property, boolean fallback) {
        String v = System.getProperty(property);
        if (v == null) {
            return fallback;
        }
        return switch (v.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + property + "=" + v + ": use true or false");
        };
    }

    public CudaOptions withDevice(int ordinal) {
        return new CudaOptions(ordinal, precision, fastKernels, graphs);
    }

    public CudaOptions withPrecision(MatmulPrecision p) {
        return new CudaOptions(device, p, fastKernels, graphs);
    }

    public CudaOptions withFastKernels(boolean on) {
        return new CudaOptions(device, precision, on, graphs);
    }

    public CudaOptions withGraphs(boolean on) {
        return new CudaOptions(device, precision, fastKernels, on);
    }
}
