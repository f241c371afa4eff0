package org.soundstorm4j.weights.torch;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.WeightsException;

/**
 * The meaning of a {@code torch.save} pickle's globals and persistent ids, limited to what a
 * state_dict of float tensors needs:
 * <ul>
 * <li>{@code collections.OrderedDict()} → an empty {@link PickleOrderedDict} (BUILD may set its attributes);</li>
 * <li>{@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}
 *     → a {@link TorchTensor}; hooks must be empty, metadata None or empty;</li>
 * <li>{@code torch._utils._rebuild_parameter(tensor, requires_grad, hooks)} → the tensor;</li>
 * <li>persistent id {@code ('storage', torch.<T>Storage, key, location, numel)} → the
 *     {@link TorchStorage} in zip entry {@code <archive>/data/<key>}; T is Float, Half or BFloat16.
 *     Other storage classes torch writes (Long, Int, Double, ...) are named in the allow list only
 *     so that their refusal can say which dtype it was.</li>
 * </ul>
 * Errors are IllegalArgumentExceptions, which {@link PickleReader} turns into messages naming the
 * byte position.
 */
final class TorchPickleHandler implements PickleHandler {
    static final PickleGlobal ORDERED_DICT = new PickleGlobal("collections", "OrderedDict");
    static final PickleGlobal REBUILD_TENSOR_V2 = new PickleGlobal("torch._utils", "_rebuild_tensor_v2");
    static final PickleGlobal REBUILD_PARAMETER = new PickleGlobal("torch._utils", "_rebuild_parameter");
    /** Storage classes that hold weights. */
    private static final Map<String, DType> FLOAT_STORAGES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16);
    /** Storage classes torch writes that are not weights, with their element types. */
    private static final Map<String, String> OTHER_STORAGES = Map.of(
            "DoubleStorage", "float64", "LongStorage", "int64", "IntStorage", "int32", "ShortStorage", "int16",
            "CharStorage", "int8", "ByteStorage", "uint8", "BoolStorage", "bool");

    private final String where;
    private final String archive;
    private final Function<String, ZipEntry> entries;
    private final Map<String, TorchStorage> storages = new HashMap<>();

    /**
     * @param where     names the file in errors
     * @param archive   the archive's top-level folder (entries are {@code archive/data/<key>})
     * @param entries   a zip entry by full name, or null if there is no such entry
     */
    TorchPickleHandler(String where, String archive, Function<String, ZipEntry> entries) {
        this.where = where;
        this.archive = archive;
        this.entries = entries;
    }

    /** Every global this handler gives a meaning to. */
    static Set<PickleGlobal> allowedGlobals() {
        Set<PickleGlobal> s = new LinkedHashSet<>(List.of(ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER));
        for (String name : FLOAT_STORAGES.keySet()) {
            s.add(new PickleGlobal("torch", name));
        }
        for (String name : OTHER_STORAGES.keySet()) {
            s.add(new PickleGlobal("torch", name));
        }
        return s;
    }

    /** The storages loaded so far, by key. */
    Map<String, TorchStorage> storages() {
        return storages;
    }

    @Override
    public Object persistentLoad(Object id) {
        if (!(id instanceof PickleTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new IllegalArgumentException("persistent id " + PickleReader.describe(id)
                    + " is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof PickleGlobal type) || !type.module().equals("torch")) {
            throw new IllegalArgumentException("storage type " + PickleReader.describe(t.get(1)) + " is not a torch storage class");
        }
        if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String) || !(t.get(4) instanceof Long numel)
                || numel < 0) {
            throw new IllegalArgumentException("storage id fields (key, location, numel) have wrong types: "
                    + PickleReader.describe(t.get(2)) + ", " + PickleReader.describe(t.get(3)) + ", "
                    + PickleReader.describe(t.get(4)));
        }
        DType dtype = FLOAT_STORAGES.get(type.name());
        if (dtype == null) {
            String kind = OTHER_STORAGES.getOrDefault(type.name(), "unknown element type");
            throw new IllegalArgumentException("storage " + key + " is " + type + " (" + kind
                    + "): weights must be float32, float16 or bfloat16 (FloatStorage, HalfStorage, BFloat16Storage)");
        }
        TorchStorage seen = storages.get(key);
        if (seen != null) {
            // Several tensors viewing one storage name it each time; the descriptions must agree.
            if (seen.dtype() != dtype || seen.numel() != numel) {
                throw new IllegalArgumentException("storage " + key + " is described twice differently: " + seen.dtype()
                        + " x " + seen.numel() + " and " + dtype + " x " + numel);
            }
            return seen;
        }
        if (key.isEmpty() || key.contains("/") || key.equals("..") || key.equals(".")) {
            throw new IllegalArgumentException("storage key '" + key + "' is not a plain entry name");
        }
        String entry = archive + "/data/" + key;
        ZipEntry zipEntry = entries.apply(entry);
        if (zipEntry == null) {
            throw new IllegalArgumentException("missing storage entry " + entry + " (for storage " + key + ")");
        }
        long needed;
        try {
            needed = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("storage " + key + " of " + numel + " elements overflows");
        }
        // The directory's stated size: the data is not read (nor inflated) until a tensor needs it.
        if (zipEntry.size() != needed) {
            throw new IllegalArgumentException("storage entry " + entry + " holds " + zipEntry.size() + " bytes but "
                    + type + " of " + numel + " elements needs " + needed);
        }
        TorchStorage s = new TorchStorage(key, zipEntry, dtype, numel);
        storages.put(key, s);
        return s;
    }

    @Override
    public Object call(PickleGlobal callable, List<Object> args) {
        if (callable.equals(ORDERED_DICT)) {
            if (!args.isEmpty()) {
                throw new IllegalArgumentException("collections.OrderedDict called with " + args.size()
                        + " arguments (torch.save writes it empty and fills it with SETITEMS)");
            }
            return new PickleOrderedDict();
        }
        if (callable.equals(REBUILD_TENSOR_V2)) {
            return rebuildTensor(args);
        }
        if (callable.equals(REBUILD_PARAMETER)) {
            if (args.size() != 3 || !(args.get(0) instanceof TorchTensor t) || !(args.get(1) instanceof Boolean)) {
                throw new IllegalArgumentException("_rebuild_parameter expects (tensor, requires_grad, hooks)");
            }
            emptyHooks(args.get(2));
            return t;
        }
        throw new IllegalArgumentException("global " + callable + " cannot be called");
    }

    private TorchTensor rebuildTensor(List<Object> args) {
        if (args.size() != 6 && args.size() != 7) {
            throw new IllegalArgumentException("_rebuild_tensor_v2 called with " + args.size()
                    + " arguments (expected storage, offset, size, stride, requires_grad, hooks[, metadata])");
        }
        if (!(args.get(0) instanceof TorchStorage storage)) {
            throw new IllegalArgumentException("_rebuild_tensor_v2's storage is a " + PickleReader.describe(args.get(0)));
        }
        if (!(args.get(1) instanceof Long offset)) {
            throw new IllegalArgumentException("_rebuild_tensor_v2's offset is a " + PickleReader.describe(args.get(1)));
        }
        long[] shape = longs("size", args.get(2));
        long[] stride = longs("stride", args.get(3));
        if (!(args.get(4) instanceof Boolean)) {
            throw new IllegalArgumentException("_rebuild_tensor_v2's requires_grad is a " + PickleReader.describe(args.get(4)));
        }
        emptyHooks(args.get(5));
        if (args.size() == 7 && args.get(6) != null && !(args.get(6) instanceof Map<?, ?> m && m.isEmpty())) {
            throw new IllegalArgumentException("_rebuild_tensor_v2's metadata is a " + PickleReader.describe(args.get(6))
                    + " (only None or an empty dict are supported)");
        }
        return new TorchTensor(storage, offset, shape, stride);
    }

    private static void emptyHooks(Object hooks) {
        // Backward hooks are code; a state_dict never has any.
        if (!(hooks instanceof Map<?, ?> m) || !m.isEmpty()) {
            throw new IllegalArgumentException("tensor has backward hooks (" + PickleReader.describe(hooks)
                    + "); a state_dict has none");
        }
    }

    private static long[] longs(String what, Object o) {
        if (!(o instanceof PickleTuple t)) {
            throw new IllegalArgumentException("_rebuild_tensor_v2's " + what + " is a " + PickleReader.describe(o)
                    + ", not a tuple");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw new IllegalArgumentException("_rebuild_tensor_v2's " + what + "[" + i + "] is a "
                        + PickleReader.describe(t.get(i)));
            }
            out[i] = v;
        }
        return out;
    }

    @Override
    public void build(Object target, Object state) {
        if (!(target instanceof PickleOrderedDict d)) {
            throw new IllegalArgumentException("BUILD of a " + PickleReader.describe(target)
                    + " (only an OrderedDict's attributes may be set)");
        }
        if (!(state instanceof Map<?, ?> attrs)) {
            throw new IllegalArgumentException("BUILD of an OrderedDict with a " + PickleReader.describe(state)
                    + " instead of an attribute dict");
        }
        for (Map.Entry<?, ?> e : attrs.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new IllegalArgumentException("attribute name " + PickleReader.describe(e.getKey()) + " is not a str");
            }
            d.attributes().put(name, e.getValue());
        }
    }

    @Override
    public String toString() {
        return "TorchPickleHandler[" + where + "]";
    }
}
