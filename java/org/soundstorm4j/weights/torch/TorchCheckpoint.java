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
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.soundstorm4j.weights.MappingFault;
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
 *
 * <p>Opening reads and checks only the pickle and the zip directory: every tensor's layout is
 * checked against its storage and the directory's sizes ({@link StridedView#check}), but no
 * storage is inflated and no tensor gathered until {@link #tensor} asks for it, so a caller can
 * check the {@link #shape shapes} against a config first (as {@code Checkpoint} does). What may
 * be inflated is bounded by what the state_dict can need: {@link #MAX_PICKLE_BYTES} for
 * {@code data.pkl}, and for the deflated storages together, the bytes of all its tensors.
 */
public final class TorchCheckpoint implements NamedTensors {
    /** First bytes of a legacy torch.save file: PROTO 2, then LONG1 of 10 bytes (the magic number). */
    private static final byte[] LEGACY_START = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a};
    /**
     * The most a deflated data.pkl may inflate to. The public_small fixture's (66 tensors) is 12 KB,
     * and {@link PickleReader#MAX_VALUES} caps what any pickle may build, so this is plenty.
     */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    /** torch's byteorder entry holds "little" or "big". */
    private static final long MAX_BYTEORDER_BYTES = 16;

    private final Path path;
    private final Arena arena;
    private final ZipDirectory zip;
    /** The state_dict's tensors as the pickle describes them, checked against their storages. */
    private final Map<String, TorchTensor> tensors;
    private final List<String> notes;
    /** Tensors and storage bytes read so far (by name, by storage key); guarded by this. */
    private final Map<String, TensorView> views = new HashMap<>();
    private final Map<String, MemorySegment> storageBytes = new HashMap<>();
    private volatile boolean closed;

    private TorchCheckpoint(Path path, Arena arena, ZipDirectory zip, Map<String, TorchTensor> tensors,
                            List<String> notes) {
        this.path = path;
        this.arena = arena;
        this.zip = zip;
        this.tensors = tensors;
        this.notes = notes;
    }

    /** Maps {@code file} read-only, reads its state_dict and checks every tensor's layout against its storage. */
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
        TorchPickleHandler handler = new TorchPickleHandler(file.toString(), archive, zip.entries()::get);
        MemorySegment pickle = zip.data(zip.entries().get(pickleEntry), MAX_PICKLE_BYTES);
        Object root = new PickleReader(file + ": " + pickleEntry, pickle, TorchPickleHandler.allowedGlobals(), handler)
                .read();
        if (!(root instanceof Map<?, ?> dict)) {
            throw new WeightsException(file + ": " + pickleEntry + " holds a " + PickleReader.describe(root)
                    + ", not a state_dict (a dict of tensor names to tensors)");
        }
        Map<String, TorchTensor> tensors = new TreeMap<>();
        long tensorBytes = 0;
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new WeightsException(file + ": state_dict key " + PickleReader.describe(e.getKey()) + " is not a str");
            }
            if (!(e.getValue() instanceof TorchTensor t)) {
                throw new WeightsException(file + ": state_dict entry '" + name + "' is a "
                        + PickleReader.describe(e.getValue()) + ", not a tensor (not a plain state_dict; a training"
                        + " checkpoint's model weights must be saved alone, e.g. torch.save(model.state_dict(), path))");
            }
            tensorBytes = addBytes(file, tensorBytes, StridedView.check(file, name, t));
            tensors.put(name, t);
        }
        checkDeflatedStorages(file, handler.storages().values(), tensorBytes);
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
        return new TorchCheckpoint(file, arena, zip, Collections.unmodifiableMap(tensors), List.copyOf(notes));
    }

    private static long addBytes(Path file, long total, long bytes) {
        try {
            return Math.addExact(total, bytes);
        } catch (ArithmeticException e) {
            throw new WeightsException(file + ": the state_dict's tensors hold more than 2^63 bytes in all");
        }
    }

    /**
     * A deflated storage is inflated into memory, so deflated storages may together state no more
     * bytes than all the state_dict's tensors hold: a valid file's storages are its tensors' bytes
     * (or fewer, when tensors share one), where a deflate bomb's state gigabytes for a few tensors.
     * Checked on the directory's stated sizes, before anything is inflated.
     */
    private static void checkDeflatedStorages(Path file, Collection<TorchStorage> storages, long tensorBytes) {
        long deflated = 0;
        for (TorchStorage s : storages) {
            if (s.entry().method() == ZipEntry.DEFLATED) {
                deflated = addBytes(file, deflated, s.byteSize());
                if (deflated > tensorBytes) {
                    throw new WeightsException(file + ": deflated storage entry " + s.entry().name() + " states "
                            + s.byteSize() + " bytes, bringing the deflated storages to " + deflated + " bytes, more"
                            + " than the " + tensorBytes + " bytes all the state_dict's tensors hold (the most they"
                            + " may inflate to)");
                }
            }
        }
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
            String order = new String(zip.data(e, MAX_BYTEORDER_BYTES).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.US_ASCII).strip();
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

    /** The named tensor's shape, without reading (inflating or gathering) its data. */
    @Override
    public long[] shape(String name) {
        checkOpen();
        return described(name).shape().clone();
    }

    /**
     * The named tensor, read on first use: its storage inflated if deflated, the tensor gathered
     * into C order if not contiguous.
     */
    @Override
    public synchronized TensorView tensor(String name) {
        checkOpen();
        TensorView view = views.get(name);
        if (view == null) {
            TorchTensor t = described(name);
            try {
                view = StridedView.of(path, name, t, storageBytes(t.storage()), arena);
            } catch (InternalError e) { // the file shrank since it was opened
                throw MappingFault.of(path, e);
            }
            views.put(name, view);
        }
        return view;
    }

    private TorchTensor described(String name) {
        TorchTensor t = tensors.get(name);
        if (t == null) {
            throw new WeightsException("no tensor '" + name + "' in " + path);
        }
        return t;
    }

    /** A storage's bytes: the mapping's slice if stored, inflated once if deflated (bounded when opened). */
    private MemorySegment storageBytes(TorchStorage s) {
        MemorySegment bytes = storageBytes.get(s.key());
        if (bytes == null) {
            bytes = zip.data(s.entry(), s.byteSize());
            storageBytes.put(s.key(), bytes);
        }
        return bytes;
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
