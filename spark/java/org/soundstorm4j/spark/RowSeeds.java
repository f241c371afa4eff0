package org.soundstorm4j.spark;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The seed of a row without a {@code seed}: the first 8 bytes, big-endian, of the SHA-256 of its
 * {@code id} in UTF-8. A function of the id alone, so a row's tokens do not depend on its partition,
 * its position, the attempt, or the JVM (String.hashCode would do as well, but 32 bits collide).
 */
public final class RowSeeds {
    private RowSeeds() {
    }

    /** The seed of a row whose id is {@code id}. */
    public static long fromId(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e); // every JDK has it
        }
    }
}
