package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the CUDA backend without a GPU: the fatbin the build made holds every
 * kernel the backend launches, and missing pieces (GPU, cuBLAS) are reported by name.
 */
class CudaBuildTest {

    private static boolean nvccPresent() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void theFatbinHoldsEveryKernelTheBackendLaunches() throws IOException {
        Assumptions.assumeTrue(CudaBuildTest.class.getResource(Cuda.FATBIN_RESOURCE) != null || nvccPresent(),
                "no nvcc here, so the build made no fatbin to check");
        byte[] image;
        try (InputStream in = CudaBuildTest.class.getResourceAsStream(Cuda.FATBIN_RESOURCE)) {
            assertNotNull(in, "nvcc is installed but the build put no " + Cuda.FATBIN_RESOURCE + " on the class path");
            image = in.readAllBytes();
        }
        // kernel names appear as plain strings in each cubin's symbol table
        String text = new String(image, StandardCharsets.ISO_8859_1);
        List<String> names = new ArrayList<>(List.of("embed_sum", "layer_norm", "glu", "depthwise_conv_swish",
                "score_tokens", "score_tokens_warp", "commit_tokens", "select_rows", "philox_draws", "bias_activation", "to_bf16",
                "im2col", "elu", "add_tensors", "overlap_add",
                "lstm_step", "lstm_step_bf16", "lstm_save_h", "codebook_sum"));
        CudaBackend.PORTABLE_HEAD_DIMS.forEach(d -> names.add("attention_hd" + d));
        CudaBackend.MMA_HEAD_DIMS.forEach(d -> names.add("attention_mma_hd" + d));
        for (String name : names) {
            assertTrue(text.contains(name + "\0"), "the fatbin has no kernel " + name);
        }
        for (String arch : List.of("sm_80", "sm_86", "sm_89", "sm_90")) {
            assertTrue(text.contains(arch), "the fatbin has no code for " + arch);
        }
    }

    @Test
    void withoutAUsableGpuTheBackendSaysWhy() {
        String reason = CudaBackend.unavailableReason();
        Assumptions.assumeTrue(reason != null, "a GPU is usable here");
        IllegalStateException e = assertThrows(IllegalStateException.class, CudaBackend::new);
        assertEquals("the CUDA backend cannot run here: " + reason, e.getMessage());
    }

    @Test
    void aMissingCublasIsNamedWithTheWayToPointAtOne() {
        String key = CublasLibrary.LIBRARY_PROPERTY;
        String before = System.getProperty(key);
        System.setProperty(key, "/nonexistent/libcublas.so.99");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, CublasLibrary::load);
            assertTrue(e.getMessage().contains("/nonexistent/libcublas.so.99"), e.getMessage());
            assertTrue(e.getMessage().contains("-D" + key), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    @Test
    void precisionAndOptionsAreParsedWithClearErrors() {
        assertEquals(MatmulPrecision.BF16, MatmulPrecision.parse(" bf16 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatmulPrecision.parse("fp8"));
        assertTrue(e.getMessage().contains("fp32, tf32 or bf16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CudaOptions(-1, MatmulPrecision.FP32, true, true));
    }
}
