package org.soundstorm4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a model is read from: paths as they are, other URIs copied whole through Hadoop's FileSystem. */
class ModelLocationTest {
    @TempDir
    Path tmp;

    @Test
    void pathsAndFileUrisAreUsedInPlace() {
        assertEquals(Path.of("weights/trained"), ModelLocation.resolve("weights/trained", new Configuration()));
        Path abs = Path.of("weights/trained").toAbsolutePath();
        assertEquals(abs, ModelLocation.resolve(abs.toUri().toString(), new Configuration()));
    }

    @Test
    void aHadoopUriIsCopiedOnceIntoTheCacheAndTheCopyIsWhole() throws Exception {
        Path source = Path.of("weights/trained").toAbsolutePath();
        Path cache = tmp.resolve("cache");
        // the local FileSystem through Hadoop's API, as hdfs:// or s3a:// would go
        java.net.URI uri = java.net.URI.create("file://" + source);
        Path copy = ModelLocation.copyToLocal(uri, new Configuration(), cache);
        assertEquals("trained", copy.getFileName().toString());
        for (String name : new String[] {"config.json", "model.safetensors", "example_semantic.npy"}) {
            assertArrayEquals(Files.readAllBytes(source.resolve(name)), Files.readAllBytes(copy.resolve(name)), name);
        }
        Path marker = Files.writeString(copy.resolve("marker"), "only in this copy");
        assertEquals(copy, ModelLocation.copyToLocal(uri, new Configuration(), cache), "the second call reuses the copy");
        assertTrue(Files.exists(marker), "the copy was made again");
        try (Stream<Path> left = Files.list(cache)) {
            assertEquals(1, left.count(), "no partial-* folder is left behind");
        }
    }

    @Test
    void aModelReplacedAtTheSameUriIsCopiedAfresh() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("remote/model"));
        Files.writeString(source.resolve("config.json"), "{\"v\": 1}");
        Path cache = tmp.resolve("cache");
        java.net.URI uri = java.net.URI.create("file://" + source);
        Path first = ModelLocation.copyToLocal(uri, new Configuration(), cache);
        Files.writeString(source.resolve("config.json"), "{\"v\": 22}"); // another length: another model
        Path second = ModelLocation.copyToLocal(uri, new Configuration(), cache);
        assertTrue(!first.equals(second), "the replaced model got its own copy");
        assertEquals("{\"v\": 22}", Files.readString(second.resolve("config.json")));
        assertEquals("{\"v\": 1}", Files.readString(first.resolve("config.json")), "the first copy is whole");
    }

    @Test
    void aMissingSourceNamesItAndLeavesNothing() throws Exception {
        Path cache = tmp.resolve("cache");
        java.net.URI uri = java.net.URI.create("file://" + tmp.resolve("nothing-here"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> ModelLocation.copyToLocal(uri, new Configuration(), cache));
        assertTrue(e.getMessage().contains("nothing-here"), e.getMessage());
        if (Files.exists(cache)) {
            try (Stream<Path> left = Files.list(cache)) {
                assertEquals(0, left.count(), "no partial copy is left behind");
            }
        }
    }
}
