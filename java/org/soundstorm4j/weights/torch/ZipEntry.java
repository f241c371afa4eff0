package org.soundstorm4j.weights.torch;

/**
 * One file of a zip archive as its central directory describes it.
 *
 * @param name              the entry's path inside the archive (UTF-8 or CP437 decoded)
 * @param method            0 = stored, 8 = deflated (nothing else is accepted)
 * @param compressedSize    bytes of the entry's data as stored in the archive
 * @param size              bytes of the entry once inflated (equals compressedSize when stored)
 * @param localHeaderOffset byte offset of the entry's local file header in the archive
 */
public record ZipEntry(String name, int method, long compressedSize, long size, long localHeaderOffset) {
    public static final int STORED = 0;
    public static final int DEFLATED = 8;
}
