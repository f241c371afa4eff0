package org.soundstorm4j.weights.torch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.soundstorm4j.weights.WeightsException;

/**
 * The central directory of a zip archive held in memory (normally a read-only file mapping),
 * with each entry's data located through its local file header, so stored entries can be
 * viewed in place without copying. Supports what {@code torch.save} writes: stored entries with
 * data descriptors (sizes only in the central directory), ZIP64 end records and extra fields,
 * and deflated entries (inflated into the Java heap). Every offset and size is checked against
 * the archive's bounds; encrypted, spanned and otherwise unusual archives are refused.
 */
public final class ZipDirectory {
    private static final int EOCD_SIGNATURE = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;
    private static final int LOCAL_SIGNATURE = 0x04034b50;
    private static final int EOCD_SIZE = 22;
    /** The end record sits within its size plus the longest possible comment of the end. */
    private static final int MAX_EOCD_SEARCH = EOCD_SIZE + 0xFFFF;
    /** Inflated entries live in a byte[]. */
    private static final long MAX_INFLATED = Integer.MAX_VALUE - 8;
    /** Compressed bytes copied out of the mapping per inflate step (see {@link #copyOut}). */
    private static final int INFLATE_CHUNK = 1 << 16;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment archive;
    private final Map<String, ZipEntry> entries;
    private final long centralDirectoryOffset;

    private ZipDirectory(Path file, MemorySegment archive, Map<String, ZipEntry> entries, long centralDirectoryOffset) {
        this.file = file;
        this.archive = archive;
        this.entries = entries;
        this.centralDirectoryOffset = centralDirectoryOffset;
    }

    /** Whether {@code archive} starts like a zip archive (a local file header or an empty archive's end record). */
    public static boolean looksLikeZip(MemorySegment archive) {
        if (archive.byteSize() < 4) {
            return false;
        }
        int signature = archive.get(U32, 0);
        return signature == LOCAL_SIGNATURE || signature == EOCD_SIGNATURE;
    }

    /** Reads the central directory of {@code archive} (the bytes of {@code file}, named in errors). */
    public static ZipDirectory read(Path file, MemorySegment archive) {
        long size = archive.byteSize();
        long eocd = findEndRecord(file, archive);
        Reader r = new Reader(file, archive);
        int disk = r.u16(eocd + 4, "end record");
        int cdDisk = r.u16(eocd + 6, "end record");
        long count = r.u16(eocd + 10, "end record");
        long cdSize = r.u32(eocd + 12, "end record");
        long cdOffset = r.u32(eocd + 16, "end record");
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            // ZIP64: the real values sit in the ZIP64 end record, found through the locator just before.
            long locator = eocd - 20;
            if (locator < 0 || r.u32(locator, "ZIP64 locator") != ZIP64_LOCATOR_SIGNATURE) {
                throw new WeightsException(file + ": zip end record needs a ZIP64 locator, which is missing");
            }
            long z = r.u64(locator + 8, "ZIP64 locator");
            if (z < 0 || z > size - 56 || r.u32(z, "ZIP64 end record") != ZIP64_EOCD_SIGNATURE) {
                throw new WeightsException(file + ": ZIP64 end record at offset " + Long.toUnsignedString(z)
                        + " is missing or out of bounds (archive of " + size + " bytes; truncated?)");
            }
            disk = (int) r.u32(z + 16, "ZIP64 end record");
            cdDisk = (int) r.u32(z + 20, "ZIP64 end record");
            count = r.u64(z + 32, "ZIP64 end record");
            cdSize = r.u64(z + 40, "ZIP64 end record");
            cdOffset = r.u64(z + 48, "ZIP64 end record");
        }
        if (disk != 0 || cdDisk != 0) {
            throw new WeightsException(file + ": multi-volume (spanned) zip archives are not supported");
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > eocd || cdSize > eocd - cdOffset) {
            throw new WeightsException(file + ": central directory [" + cdOffset + ", +" + cdSize
                    + ") lies outside the archive (truncated?)");
        }
        Map<String, ZipEntry> entries = new LinkedHashMap<>();
        long at = cdOffset;
        for (long i = 0; i < count; i++) {
            ZipEntry e = centralEntry(r, at, cdOffset + cdSize, i);
            if (entries.put(e.name(), e) != null) {
                throw new WeightsException(file + ": zip entry " + e.name() + " appears twice");
            }
            at += 46 + r.u16(at + 28, "central entry") + r.u16(at + 30, "central entry") + r.u16(at + 32, "central entry");
        }
        return new ZipDirectory(file, archive, Collections.unmodifiableMap(entries), cdOffset);
    }

    private static long findEndRecord(Path file, MemorySegment archive) {
        long size = archive.byteSize();
        long lowest = Math.max(0, size - MAX_EOCD_SEARCH);
        for (long at = size - EOCD_SIZE; at >= lowest; at--) {
            if (archive.get(U32, at) == EOCD_SIGNATURE) {
                return at;
            }
        }
        throw new WeightsException(file + ": no zip end-of-central-directory record in the last " + (size - lowest)
                + " bytes (not a zip archive, or truncated)");
    }

    private static ZipEntry centralEntry(Reader r, long at, long cdEnd, long index) {
        String what = "central directory entry " + index;
        if (at > cdEnd - 46 || r.u32(at, what) != CENTRAL_SIGNATURE) {
            throw new WeightsException(r.file + ": " + what + " at offset " + at + " is missing or malformed");
        }
        int flags = r.u16(at + 8, what);
        int method = r.u16(at + 10, what);
        long compressed = r.u32(at + 20, what);
        long size = r.u32(at + 24, what);
        int nameLength = r.u16(at + 28, what);
        int extraLength = r.u16(at + 30, what);
        int commentLength = r.u16(at + 32, what);
        long local = r.u32(at + 42, what);
        if (at + 46 + nameLength + extraLength + commentLength > cdEnd) {
            throw new WeightsException(r.file + ": " + what + " runs past the end of the central directory");
        }
        byte[] nameBytes = r.bytes(at + 46, nameLength, what);
        // Bit 11 says UTF-8; torch writes ASCII names, which read the same either way.
        String name = new String(nameBytes, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if ((flags & 0x41) != 0) {
            throw new WeightsException(r.file + ": zip entry " + name + " is encrypted");
        }
        if (method != ZipEntry.STORED && method != ZipEntry.DEFLATED) {
            throw new WeightsException(r.file + ": zip entry " + name + " uses compression method " + method
                    + " (only stored and deflated are supported)");
        }
        // ZIP64 extra field: 64-bit values, in this order, for exactly the fields that read 0xFFFFFFFF.
        long extra = at + 46 + nameLength;
        long extraEnd = extra + extraLength;
        while (extra + 4 <= extraEnd) {
            int id = r.u16(extra, what);
            int length = r.u16(extra + 2, what);
            if (extra + 4 + length > extraEnd) {
                throw new WeightsException(r.file + ": zip entry " + name + " has a malformed extra field");
            }
            if (id == 0x0001) {
                long p = extra + 4;
                long end = p + length;
                if (size == 0xFFFFFFFFL) {
                    size = r.checkedU64(p, end, name);
                    p += 8;
                }
                if (compressed == 0xFFFFFFFFL) {
                    compressed = r.checkedU64(p, end, name);
                    p += 8;
                }
                if (local == 0xFFFFFFFFL) {
                    local = r.checkedU64(p, end, name);
                }
            }
            extra += 4 + length;
        }
        if (method == ZipEntry.STORED && compressed != size) {
            throw new WeightsException(r.file + ": stored zip entry " + name + " has compressed size " + compressed
                    + " but size " + size);
        }
        return new ZipEntry(name, method, compressed, size, local);
    }

    /** The archive's entries by name, in central-directory order. */
    public Map<String, ZipEntry> entries() {
        return entries;
    }

    /**
     * The entry's data: a slice of the archive for a stored entry (no copy), the inflated bytes
     * in a heap segment for a deflated one. Checks the local header and that the data lies
     * before the central directory.
     *
     * @param maxInflated the most bytes a deflated entry may state and inflate to (what its
     *                    reader can need); a larger one is refused before anything is allocated
     */
    public MemorySegment data(ZipEntry e, long maxInflated) {
        Reader r = new Reader(file, archive);
        String what = "local header of " + e.name();
        long at = e.localHeaderOffset();
        if (at < 0 || at > centralDirectoryOffset - 30 || r.u32(at, what) != LOCAL_SIGNATURE) {
            throw new WeightsException(file + ": zip entry " + e.name() + ": local header at offset " + at
                    + " is missing or out of bounds");
        }
        long start = at + 30 + r.u16(at + 26, what) + r.u16(at + 28, what);
        if (start > centralDirectoryOffset || e.compressedSize() > centralDirectoryOffset - start) {
            throw new WeightsException(file + ": zip entry " + e.name() + ": data [" + start + ", +" + e.compressedSize()
                    + ") runs past the end of the archive's data (truncated?)");
        }
        MemorySegment raw = archive.asSlice(start, e.compressedSize());
        return e.method() == ZipEntry.STORED ? raw : inflate(e, raw, maxInflated);
    }

    private MemorySegment inflate(ZipEntry e, MemorySegment raw, long maxInflated) {
        if (e.size() > maxInflated) {
            throw new WeightsException(file + ": zip entry " + e.name() + " is deflated to " + raw.byteSize()
                    + " bytes and states " + e.size() + " inflated, more than the " + maxInflated
                    + " bytes it may need");
        }
        if (e.size() > MAX_INFLATED) {
            throw new WeightsException(file + ": zip entry " + e.name() + " is deflated and too large to inflate ("
                    + e.size() + " bytes)");
        }
        // Inflates into exactly the stated size, plus one byte to notice data that would make more:
        // inflating stops there however much the data would make.
        byte[] out = new byte[(int) e.size()];
        byte[] beyond = new byte[1];
        byte[] in = new byte[(int) Math.min(INFLATE_CHUNK, raw.byteSize())];
        Inflater inflater = new Inflater(true);
        try {
            long read = 0;
            long done = 0;
            while (done <= out.length && !inflater.finished()) {
                if (inflater.needsInput()) {
                    if (read == raw.byteSize()) {
                        break;
                    }
                    int n = (int) Math.min(in.length, raw.byteSize() - read);
                    copyOut(raw, read, in, n);
                    inflater.setInput(in, 0, n);
                    read += n;
                }
                int n = done < out.length ? inflater.inflate(out, (int) done, out.length - (int) done)
                        : inflater.inflate(beyond);
                if (n == 0 && inflater.needsDictionary()) {
                    break;
                }
                done += n;
            }
            if (done != out.length || !inflater.finished()) {
                throw new WeightsException(file + ": zip entry " + e.name() + " inflates to a different size than the "
                        + e.size() + " bytes its directory entry states");
            }
        } catch (DataFormatException ex) {
            throw new WeightsException(file + ": zip entry " + e.name() + " is not valid deflate data: " + ex.getMessage(), ex);
        } finally {
            inflater.end();
        }
        return MemorySegment.ofArray(out);
    }

    /**
     * Copies compressed bytes out of the mapping: if the file shrank since it was mapped, this
     * Java copy faults with an InternalError the caller can translate ({@code MappingFault}),
     * where zlib reading the mapping itself would crash the JVM.
     */
    private static void copyOut(MemorySegment raw, long from, byte[] to, int n) {
        MemorySegment.copy(raw, ValueLayout.JAVA_BYTE, from, to, 0, n);
    }

    /** Bounds-checked little-endian reads whose errors name the file and the structure read. */
    private record Reader(Path file, MemorySegment archive) {
        private void check(long at, long length, String what) {
            if (at < 0 || at > archive.byteSize() - length) {
                throw new WeightsException(file + ": " + what + " at offset " + at + " runs past the end of the archive ("
                        + archive.byteSize() + " bytes; truncated?)");
            }
        }

        int u16(long at, String what) {
            check(at, 2, what);
            return archive.get(U16, at) & 0xFFFF;
        }

        long u32(long at, String what) {
            check(at, 4, what);
            return archive.get(U32, at) & 0xFFFFFFFFL;
        }

        long u64(long at, String what) {
            check(at, 8, what);
            return archive.get(U64, at);
        }

        long checkedU64(long at, long end, String name) {
            if (at + 8 > end) {
                throw new WeightsException(file + ": zip entry " + name + " has a truncated ZIP64 extra field");
            }
            long v = u64(at, "ZIP64 extra field of " + name);
            if (v < 0) {
                throw new WeightsException(file + ": zip entry " + name + " has a ZIP64 value beyond 2^63");
            }
            return v;
        }

        byte[] bytes(long at, int length, String what) {
            check(at, length, what);
            return archive.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
