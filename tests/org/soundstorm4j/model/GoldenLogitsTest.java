package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.io.FloatArray;
import org.soundstorm4j.io.IntArray;
import org.soundstorm4j.io.Npy;

/**
 * The forward pass against golden logits from the PyTorch reference
 * ({@code tests/resources/golden/make_golden.py}, computed in float64): every level of two configs,
 * the public checkpoint's layout with a batch of two different lengths (garbage in the padding)
 * and the paper's dense head.
 */
class GoldenLogitsTest {
    /** fp32 against the fp64 reference, relative to the largest logit. */
    private static final double TOL = 1e-4;

    static Stream<Arguments> cases() {
        return Stream.of("public_small", "paper_small").flatMap(name -> {
            ModelConfig c = ModelConfig.read(dir(name).resolve("config.json"));
            return java.util.stream.IntStream.range(0, c.numQuantizers()).boxed()
                    .flatMap(level -> Stream.of(Arguments.of(name, level, "vector"), Arguments.of(name, level, "scalar"),
                            Arguments.of(name, level, "opencl"),
                            Arguments.of(name, level, "cuda")));
        });
    }

    static Path dir(String name) {
        try {
            return Path.of(GoldenLogitsTest.class.getResource("/golden/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0} level {1} ({2})")
    @MethodSource("cases")
    void logitsMatchThePyTorchReference(String name, int level, String kernels) {
        Path d = dir(name);
        IntArray semantic = Npy.readInts(d.resolve("semantic.npy"));
        IntArray acoustic = Npy.readInts(d.resolve("acoustic.npy"));
        int[] lengths = Npy.readInts(d.resolve("lengths.npy")).data();
        FloatArray golden = Npy.readFloats(d.resolve("logits_level" + level + ".npy"));
        int batch = semantic.dim(0);
        int frames = semantic.dim(1);
        float[] logits;
        try (Checkpoint ckpt = Checkpoint.open(d); Backend backend = backend(kernels)) {
            logits = new Conformer(ckpt, backend).logits(acoustic.data(), semantic.data(), lengths, batch, frames, level);
            assertEquals(golden.size(), logits.length);
            int c = ckpt.config().codebookSize();
            double maxRef = 0;
            double worst = 0;
            for (int b = 0; b < batch; b++) {
                for (int i = b * frames * c; i < (b * frames + lengths[b]) * c; i++) {
                    maxRef = Math.max(maxRef, Math.abs(golden.data()[i]));
                    worst = Math.max(worst, Math.abs(golden.data()[i] - logits[i]));
                }
            }
            if (!(worst <= TOL * maxRef)) {
                fail(name + " level " + level + ": max |error| " + worst + " > " + TOL + " x max |logit| " + maxRef);
            }
        }
    }

    private static Backend backend(String kernels) {
        if (kernels.equals("cuda")) {
            return org.soundstorm4j.backend.cuda.CudaDevice.backend(org.soundstorm4j.backend.cuda.CudaOptions.defaults());
        }
        if (kernels.equals("opencl")) {
            org.soundstorm4j.backend.opencl.OpenClDevice.require();
            return new org.soundstorm4j.backend.opencl.OpenClBackend();
        }
        return cpuBackend(kernels);
    }

    private static Backend cpuBackend(String kernels) {
        String key = "soundstorm4j.cpu.kernels";
        String before = System.getProperty(key);
        System.setProperty(key, kernels);
        try {
            return new CpuBackend();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
