package org.soundstorm4j.weights.torch;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
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
            global("torch._utils", "_rebuild_tensor_v2").op('(', '('); // the arguments, then the persistent id
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

    /**
     * A zip entry as it will be written: {@code data} is the entry's bytes as stored (deflate
     * data when {@code deflated}), {@code size} and {@code crc} those of its inflated content.
     */
    record RawEntry(String name, boolean deflated, byte[] data, long size, long crc) {
        static RawEntry stored(String name, byte[] data) {
            CRC32 crc = new CRC32();
            crc.update(data);
            return new RawEntry(name, false, data, data.length, crc.getValue());
        }
    }

    /** Writes a zip archive of exactly these entries (no ZIP64, no data descriptors), as a bomb's maker would. */
    static Path writeRaw(Path file, RawEntry... entries) {
        ByteBuffer central = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = Files.newOutputStream(file)) {
            long offset = 0;
            for (RawEntry e : entries) {
                byte[] name = e.name().getBytes(StandardCharsets.US_ASCII);
                ByteBuffer local = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
                local.putInt(0x04034b50).putShort((short) 20).putShort((short) 0);
                header(local, e, name.length).putShort((short) 0).put(name);
                out.write(local.array());
                out.write(e.data());
                central.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0);
                header(central, e, name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                        .putShort((short) 0).putInt(0).putInt((int) offset).put(name);
                offset += local.capacity() + e.data().length;
            }
            ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.length)
                    .putShort((short) entries.length).putInt(central.position()).putInt((int) offset).putShort((short) 0);
            out.write(central.array(), 0, central.position());
            out.write(end.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Method, time, date, CRC, sizes and name length: the fields local and central headers share. */
    private static ByteBuffer header(ByteBuffer b, RawEntry e, int nameLength) {
        return b.putShort((short) (e.deflated() ? 8 : 0)).putShort((short) 0).putShort((short) 0).putInt((int) e.crc())
                .putInt(e.data().length).putInt((int) e.size()).putShort((short) nameLength);
    }

    /**
     * A deflated entry of {@code prefix}, {@code run} copies of {@code value}, then {@code suffix},
     * assembled as one fixed-Huffman deflate block: after one literal, each 258 copies are a single
     * match at distance 1 (13 bits), so a gigabyte takes 6.5 MB and milliseconds to write.
     */
    static RawEntry deflatedRun(String name, byte[] prefix, byte value, long run, byte[] suffix) {
        Bits bits = new Bits();
        bits.lsbFirst(1, 1).lsbFirst(1, 2); // BFINAL, BTYPE = 01 (fixed Huffman codes)
        CRC32 crc = new CRC32();
        for (byte b : prefix) {
            bits.literal(b);
        }
        crc.update(prefix);
        long left = run;
        if (left > 0) {
            bits.literal(value);
            left--;
        }
        for (; left >= 258; left -= 258) {
            bits.msbFirst(0xC5, 8).msbFirst(0, 5); // length 258 (code 285), distance 1 (code 0)
        }
        for (; left > 0; left--) {
            bits.literal(value);
        }
        for (byte b : suffix) {
            bits.literal(b);
        }
        bits.msbFirst(0, 7); // end of block (code 256)
        byte[] block = new byte[1 << 20];
        Arrays.fill(block, value);
        for (long done = 0; done < run; done += block.length) {
            crc.update(block, 0, (int) Math.min(block.length, run - done));
        }
        crc.update(suffix);
        return new RawEntry(name, true, bits.bytes(), prefix.length + run + suffix.length, crc.getValue());
    }

    /** A deflate bit stream: fields least significant bit first, Huffman codes most significant first. */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current;
        private int used;

        Bits lsbFirst(int value, int count) {
            for (int i = 0; i < count; i++) {
                bit((value >>> i) & 1);
            }
            return this;
        }

        Bits msbFirst(int code, int count) {
            for (int i = count - 1; i >= 0; i--) {
                bit((code >>> i) & 1);
            }
            return this;
        }

        /** A literal byte in the fixed code: 0..143 are 8 bits from 0x30, 144..255 are 9 bits from 0x190. */
        Bits literal(byte b) {
            int v = b & 0xFF;
            return v < 144 ? msbFirst(0x30 + v, 8) : msbFirst(0x190 + v - 144, 9);
        }

        private void bit(int b) {
            current |= b << used;
            if (++used == 8) {
                out.write(current);
                current = 0;
                used = 0;
            }
        }

        byte[] bytes() {
            if (used > 0) {
                out.write(current);
                current = 0;
                used = 0;
            }
            return out.toByteArray();
        }
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
