package org.soundstorm4j;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;
import org.soundstorm4j.model.LogitHead;
import org.soundstorm4j.model.ModelConfig;
import org.soundstorm4j.weights.WeightsException;
import org.soundstorm4j.weights.torch.TorchCheckpoint;

/**
 * A load that fails, whatever with (an Error too), releases everything it took: the backend it
 * was given (its worker threads) and the file mapping; what a bad file causes is a
 * WeightsException naming the file.
 */
class FailedLoadsTest {
    private static final int LOADS = 100;
    private static final ModelConfig CONFIG = new ModelConfig(16, 2, 2, 8, 2, 1, 5, 3, 16, 10, 1, LogitHead.DENSE);

    @TempDir
    Path tmp;

    private Set<Thread> threadsBefore;

    @BeforeEach
    void seeMappings() {
        assumeTrue(LiveResources.canSeeMappings(), "no /proc/self/maps: cannot count file mappings here");
        threadsBefore = LiveResources.cpuPoolThreads();
    }

    @Test
    void loadsFailingWithAnErrorReleaseTheBackendAndTheMapping() {
        Path model = TestModels.random(tmp.resolve("model"), CONFIG, 1);
        StackOverflowError deep = new StackOverflowError("test double: upload recursed too deeply");
        int closes = 0;
        for (int i = 0; i < LOADS; i++) {
            UploadHook backend = new UploadHook(() -> {
                throw deep;
            });
            // not the file's doing: the Error itself comes out, after the cleanup
            assertSame(deep, assertThrows(StackOverflowError.class, () -> SoundStorm.load(model, backend.proxy())));
            closes += backend.closes;
        }
        assertNothingLeft(LOADS, closes);
    }

    @Test
    void aWeightsFileTruncatedWhileLoadingIsAWeightsExceptionNamingIt() throws IOException {
        Path template = TestModels.random(tmp.resolve("template"), CONFIG, 2);
        int closes = 0;
        for (int i = 0; i < LOADS / 10; i++) {
            Path model = Files.createDirectories(tmp.resolve("model" + i));
            for (String f : new String[] {"config.json", "model.safetensors"}) {
                Files.copy(template.resolve(f), model.resolve(f));
            }
            // the file shrinks after it was mapped: reading the mapping faults (the JVM's InternalError)
            UploadHook backend = new UploadHook(() -> truncate(model.resolve("model.safetensors")));
            WeightsException e = assertThrows(WeightsException.class, () -> SoundStorm.load(model, backend.proxy()));
            assertTrue(e.getMessage().contains(model.resolve("model.safetensors").toString()), e.getMessage());
            assertInstanceOf(InternalError.class, e.getCause());
            closes += backend.closes;
        }
        assertNothingLeft(LOADS / 10, closes);
    }

    @Test
    void aTorchFileDeclaringPetabytesIsAWeightsExceptionNamingIt() throws IOException {
        Path file = petabyteBroadcast(tmp.resolve("broadcast.pt"));
        int closes = 0;
        for (int i = 0; i < LOADS; i++) {
            UploadHook backend = new UploadHook(() -> { });
            // refused before anything is gathered: shapes are checked against the config first
            WeightsException e = assertThrows(WeightsException.class, () -> SoundStorm.load(file, backend.proxy()));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            closes += backend.closes;
        }
        assertNothingLeft(LOADS, closes);
        // read directly, without a config to check it against, the view itself is refused by its size
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(file)) {
            WeightsException e = assertThrows(WeightsException.class, () -> checkpoint.tensor("w"));
            assertTrue(e.getMessage().contains(file + ": tensor 'w'") && e.getMessage().contains("non-contiguous view"),
                    e.getMessage());
        }
    }

    /** After {@code loads} failed loads: each closed its backend once, and no mapping or worker thread is left. */
    private void assertNothingLeft(int loads, int closes) {
        Set<Thread> threadsLeft = new HashSet<>(LiveResources.cpuPoolThreads());
        threadsLeft.removeAll(threadsBefore);
        assertAll(
                () -> assertEquals(0, LiveResources.mappingsUnder(tmp), "mappings of the test's files left behind"),
                () -> assertEquals(0, threadsLeft.size(), "worker threads left behind"),
                () -> assertEquals(loads, closes, "backends closed"));
    }

    private static void truncate(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * tests/resources/torch/out_of_range.pt with its tensor 'w' re-declared as shape [2^50],
     * stride [0] over its 6-element storage: every element in range (all are element 0), but a
     * gathered copy would need 4 PiB.
     */
    private static Path petabyteBroadcast(Path out) throws IOException {
        Path source;
        try {
            source = Path.of(FailedLoadsTest.class.getResource("/torch/out_of_range.pt").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        byte[] sizeTuple = {'K', 3, 'K', 4, (byte) 0x86}; // (3, 4) as BININT1 BININT1 TUPLE2
        byte[] strideTuple = {'K', 4, 'K', 1, (byte) 0x86}; // (4, 1)
        byte[] petabytes = {(byte) 0x8a, 8, 0, 0, 0, 0, 0, 0, 4, 0, (byte) 0x85}; // (2^50,) as LONG1 TUPLE1
        byte[] zeroStride = {'K', 0, (byte) 0x85}; // (0,)
        try (ZipFile in = new ZipFile(source.toFile()); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] data = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith("/data.pkl")) {
                    data = replace(replace(data, sizeTuple, petabytes), strideTuple, zeroStride);
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(data);
                zip.closeEntry();
            }
        }
        return out;
    }

    private static byte[] replace(byte[] data, byte[] what, byte[] with) {
        for (int at = 0; at + what.length <= data.length; at++) {
            if (java.util.Arrays.equals(data, at, at + what.length, what, 0, what.length)) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(data, 0, at);
                b.write(with, 0, with.length);
                b.write(data, at + what.length, data.length - at - what.length);
                return b.toByteArray();
            }
        }
        throw new IllegalStateException("fixture changed: pickle bytes to replace not found");
    }

    /**
     * A test double: a CPU backend with a worker pool of its own (so a backend left open shows as a
     * live thread) that runs {@code beforeUpload} before each upload and counts its closes.
     */
    private static final class UploadHook implements InvocationHandler {
        private final CpuBackend real = new CpuBackend(2);
        private final Runnable beforeUpload;
        int closes;

        UploadHook(Runnable beforeUpload) {
            this.beforeUpload = beforeUpload;
        }

        Backend proxy() {
            return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("close")) {
                closes++;
            } else if (method.getName().startsWith("upload")) {
                beforeUpload.run();
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
