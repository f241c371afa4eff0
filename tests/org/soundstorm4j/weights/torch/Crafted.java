package org.soundstorm4j.weights.torch;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.function.Executable;
import org.soundstorm4j.weights.WeightsException;

/**
 * Hostile torch.save files assembled byte by byte in the tests: a protocol-2 pickle written
 * opcode by opcode ({@link Pickle}), zipped with chosen storage entries ({@link #write}), and a
 * check that opening one is refused cheaply ({@link #refusedCheaply}).
 */
final class Crafted {
    /** What a refusal may cost: the issue asks for under a second; the slack is for a loaded CI machine. */
    static final Duration MAX_TIME = Duration.ofSeconds(3);
    static final long MAX_ALLOCATED = 100L << 20;

    private Crafted() {
    }

    /** A pickle under construction; starts with PROTO 2, as torch.save writes. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            op(0x80, 2);
        }

        Pickle op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Pickle repeat(int times, int... bytes) {
            for (int i = 0; i < times; i++) {
                op(bytes);
            }
            return this;
        }

        /** BINUNICODE. */
        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X').le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        /** GLOBAL module\nname\n. */
        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** LONG1 with 8 bytes: any long. */
        Pickle integer(long v) {
            return op(0x8a, 8).le(v, 8);
        }

        /** BINPUT. */
        Pickle put(int memo) {
            return op('q', memo);
        }

        /** BINGET. */
        Pickle get(int memo) {
            return op('h', memo);
        }

        /** A tuple of integers (MARK ... TUPLE). */
        Pickle ints(long... values) {
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }

        /**
         * {@code _rebuild_tensor_v2(storage key, offset, size, stride, False, OrderedDict())} over
         * {@code torch.<storageClass>} of {@code numel} elements in entry {@code archive/data/<key>}.
         */
        Pickle tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).op('t', 'Q');
            integer(offset).ints(size).ints(stride).op(0x89);
            return global("collections", "OrderedDict").op(')', 'R', 't', 'R');
        }

        /** STOP, and the bytes. */
        byte[] stop() {
            op('.');
            return out.toByteArray();
        }

        private Pickle le(long v, int bytes) {
            for (int i = 0; i < bytes; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            return this;
        }
    }

    /** A state_dict pickle {@code {name: tensor}}. */
    static byte[] stateDict(String name, String storageClass, long numel, long offset, long[] size, long[] stride) {
        return new Pickle().op('}').str(name).tensor(storageClass, "0", numel, offset, size, stride).op('s').stop();
    }

    /** Writes {@code archive/data.pkl} and {@code archive/data/<key>} entries, stored or deflated. */
    static Path write(Path file, byte[] pickle, Map<String, byte[]> storages, boolean deflate) {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            entry(zip, "archive/data.pkl", pickle, deflate);
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                entry(zip, "archive/data/" + e.getKey(), e.getValue(), deflate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A deflated entry of {@code repeats} copies of {@code block}, streamed (a bomb larger than the heap). */
    static void deflatedRepeat(ZipOutputStream zip, String name, byte[] block, long repeats) throws IOException {
        zip.setLevel(Deflater.BEST_COMPRESSION);
        zip.putNextEntry(new ZipEntry(name));
        for (long i = 0; i < repeats; i++) {
            zip.write(block);
        }
        zip.closeEntry();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data, boolean deflate) throws IOException {
        ZipEntry e = new ZipEntry(name);
        if (!deflate) {
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            CRC32 crc = new CRC32();
            crc.update(data);
            e.setCrc(crc.getValue());
        }
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * Runs {@code open}, which must throw a {@link WeightsException} naming {@code file} (no Error,
     * no other exception) within {@link #MAX_TIME}, having allocated at most {@link #MAX_ALLOCATED}
     * bytes of heap on its thread. Prints the cost; returns the message.
     */
    static String refusedCheaply(Path file, Executable open) {
        Throwable[] thrown = new Throwable[1];
        long[] cost = new long[2];
        assertTimeoutPreemptively(MAX_TIME.multipliedBy(3), () -> {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long bytes = mx.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            try {
                open.execute();
            } catch (Throwable t) {
                thrown[0] = t;
            }
            cost[0] = System.nanoTime() - t0;
            cost[1] = mx.getCurrentThreadAllocatedBytes() - bytes;
        }, file.getFileName() + ": not refused in time");
        WeightsException e = assertInstanceOf(WeightsException.class, thrown[0], () -> file.getFileName()
                + ": expected a WeightsException, got " + thrown[0]);
        System.out.printf("%s refused in %.0f ms, %.1f MB allocated: %s%n", file.getFileName(), cost[0] / 1e6,
                cost[1] / 1e6, e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(cost[0] < MAX_TIME.toNanos(), file.getFileName() + ": took " + cost[0] / 1_000_000 + " ms");
        assertTrue(cost[1] < MAX_ALLOCATED, file.getFileName() + ": allocated " + cost[1] + " bytes");
        return e.getMessage();
    }
}
