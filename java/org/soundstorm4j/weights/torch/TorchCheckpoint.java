package org.soundstorm4j.weights.torch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.soundstorm4j.io.Cleanup;
import org.soundstorm4j.weights.NamedTensors;
import org.soundstorm4j.weights.ReadFailures;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;

/**
 * A PyTorch state_dict saved by {@code torch.save} (zip format, torch >= 1.6), read without
 * executing anything: the archive's {@code <archive>/data.pkl} is interpreted by a restricted
 * pickle reader that knows only the globals a state_dict of float tensors needs, and tensors view
 * the memory-mapped storage entries {@code <archive>/data/<key>} in place (stored entries; a
 * deflated entry is inflated into memory; a non-contiguous tensor is gathered into C order).
 * {@code <archive>} is whatever top-level folder the file has: torch names it after the file it
 * wrote (e.g. {@code SoundStorm_best_dev/}) or {@code archive/} when it wrote to a buffer.
 *
 * <p>The top-level object must be a dict (OrderedDict) from str to float32, float16 or bfloat16
 * tensors. Its {@code _metadata} attribute (module versions used by {@code load_state_dict}) is
 * not a weight; it is skipped and reported in {@link #notes()}, as are storage entries that no
 * tensor uses. PyTorch's legacy (pre-1.6, non-zip) format is not supported.
 */
public final class TorchCheckpoint implements NamedTensors {
    /** First bytes of a legacy torch.save file: PROTO 2, then LONG1 of 10 bytes (the magic number). */
    private static final byte[] LEGACY_START = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a};

    private final Path path;
    private final Arena arena;
    private final Map<String, TensorView> tensors;
    private final List<String> notes;
    private volatile boolean closed;

    private TorchCheckpoint(Path path, Arena arena, Map<String, TensorView> tensors, List<String> notes) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.notes = notes;
    }

    /** Maps {@code file} read-only, reads its state_dict and checks every tensor against its storage. */
    public static TorchCheckpoint open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // The mapping outlives the channel: closing the channel does not unmap.
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return read(file, arena, whole);
        } catch (Throwable failure) {
            // every exit but success unmaps, Errors included
            Cleanup.closeAfterFailure(failure, arena);
            throw ReadFailures.of(file, failure);
        }
    }

    private static TorchCheckpoint read(Path file, Arena arena, MemorySegment whole) {
        if (!ZipDirectory.looksLikeZip(whole)) {
            boolean legacy = whole.byteSize() >= LEGACY_START.length
                    && whole.asSlice(0, LEGACY_START.length).mismatch(MemorySegment.ofArray(LEGACY_START)) == -1;
            throw new WeightsException(file + (legacy
                    ? ": PyTorch's legacy (pre-1.6, non-zip) checkpoint format is not supported; re-save it with"
                            + " torch.save(torch.load(path), new_path) in torch >= 1.6"
                    : ": not a PyTorch checkpoint (a torch.save zip archive): it does not start with a zip header"));
        }
        ZipDirectory zip = ZipDirectory.read(file, whole);
        String archive = archiveName(file, zip);
        String pickleEntry = archive + "/data.pkl";
        byteOrder(file, zip, archive);
        TorchPickleHandler handler = new TorchPickleHandler(file.toString(), archive, name -> {
            ZipEntry e = zip.entries().get(name);
            return e == null ? null : zip.data(e);
        });
        Object root = new PickleReader(file + ": " + pickleEntry, zip.data(zip.entries().get(pickleEntry)),
                TorchPickleHandler.allowedGlobals(), handler).read();
        if (!(root instanceof Map<?, ?> dict)) {
            throw new WeightsException(file + ": " + pickleEntry + " holds a " + PickleReader.describe(root)
                    + ", not a state_dict (a dict of tensor names to tensors)");
        }
        Map<String, TensorView> tensors = new TreeMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new WeightsException(file + ": state_dict key " + PickleReader.describe(e.getKey()) + " is not a str");
            }
            if (!(e.getValue() instanceof TorchTensor t)) {
                throw new WeightsException(file + ": state_dict entry '" + name + "' is a "
                        + PickleReader.describe(e.getValue()) + ", not a tensor (not a plain state_dict; a training"
                        + " checkpoint's model weights must be saved alone, e.g. torch.save(model.state_dict(), path))");
            }
            tensors.put(name, StridedView.of(file.toString(), name, t, arena));
        }
        List<String> notes = new ArrayList<>();
        if (dict instanceof PickleOrderedDict od) {
            for (String attribute : od.attributes().keySet()) {
                notes.add(attribute.equals("_metadata")
                        ? "skipped the state_dict's _metadata attribute (module versions for load_state_dict; not weights)"
                        : "skipped the state_dict's attribute " + attribute + " (not a tensor entry)");
            }
        }
        Set<String> used = handler.storages().keySet();
        String dataPrefix = archive + "/data/";
        for (String name : zip.entries().keySet()) {
            if (name.startsWith(dataPrefix) && !used.contains(name.substring(dataPrefix.length()))) {
                notes.add("storage entry " + name + " is used by no tensor");
            }
        }
        return new TorchCheckpoint(file, arena, Collections.unmodifiableMap(tensors), List.copyOf(notes));
    }

    /** The single top-level folder holding {@code data.pkl}; every entry must be inside it. */
    private static String archiveName(Path file, ZipDirectory zip) {
        List<String> pickles = new ArrayList<>();
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                pickles.add(name.substring(0, slash));
            }
        }
        if (pickles.size() != 1) {
            throw new WeightsException(file + ": " + (pickles.isEmpty() ? "no <archive>/data.pkl entry"
                    : "several data.pkl entries " + pickles) + " (not a torch.save checkpoint; entries: "
                    + summary(zip.entries().keySet()) + ")");
        }
        String archive = pickles.get(0);
        for (String name : zip.entries().keySet()) {
            if (!name.startsWith(archive + "/")) {
                throw new WeightsException(file + ": zip entry " + name + " lies outside the archive folder " + archive + "/");
            }
        }
        return archive;
    }

    /** torch >= 2.1 records the byte order of the storages; older files are little-endian. */
    private static void byteOrder(Path file, ZipDirectory zip, String archive) {
        ZipEntry e = zip.entries().get(archive + "/byteorder");
        if (e != null) {
            String order = new String(zip.data(e).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
            if (!order.equals("little")) {
                throw new WeightsException(file + ": " + e.name() + " says '" + order + "'; only little-endian storages"
                        + " are supported");
            }
        }
    }

    private static String summary(Set<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.size() <= 5 ? list.toString() : list.subList(0, 5) + " and " + (list.size() - 5) + " more";
    }

    /** What the file holds besides the tensors, skipped on purpose (one sentence each). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        checkOpen();
        return Collections.unmodifiableSet(new TreeSet<>(tensors.keySet()));
    }

    @Override
    public boolean contains(String name) {
        checkOpen();
        return tensors.containsKey(name);
    }

    @Override
    public TensorView tensor(String name) {
        checkOpen();
        TensorView view = tensors.get(name);
        if (view == null) {
            throw new WeightsException("no tensor '" + name + "' in " + path);
        }
        return view;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
