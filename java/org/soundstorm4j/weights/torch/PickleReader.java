package org.soundstorm4j.weights.torch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.soundstorm4j.weights.WeightsException;

/**
 * A pickle interpreter for exactly the opcodes {@code torch.save} emits for a state_dict at
 * pickle protocol 2 (checked with {@code pickletools} on files written by torch 1.13): PROTO,
 * GLOBAL, REDUCE, BUILD, BINPERSID, MARK, STOP, BINPUT/LONG_BINPUT, BINGET/LONG_BINGET, NONE,
 * NEWTRUE/NEWFALSE, BININT1/BININT2/BININT/LONG1, BINUNICODE, EMPTY_TUPLE, TUPLE, TUPLE1..3,
 * EMPTY_DICT, SETITEM(S), EMPTY_LIST, APPEND(S). Any other opcode is refused by name.
 *
 * <p>Nothing is executed: GLOBAL only yields a {@link PickleGlobal}, which must be in the allow
 * list given to the constructor (checked when the opcode is read, before any call), and REDUCE
 * and BUILD go to a {@link PickleHandler} that builds plain Java values. Python values map to:
 * None = null, bool = Boolean, int = Long, str = String, tuple = {@link PickleTuple}, list =
 * ArrayList, dict = LinkedHashMap. The reader is iterative (no recursion), so deep nesting cannot
 * overflow the Java stack.
 *
 * <p>What a pickle may build is bounded, so that a hostile one is refused in well under a second
 * and a few tens of MB: at most {@link #MAX_VALUES} values, nested at most {@link #MAX_DEPTH}
 * deep, and never a cycle (a container gains items only until it is put inside another, which is
 * the order pickle writes them in). Dict keys must be str, so nothing is ever hashed or compared
 * recursively.
 */
final class PickleReader {
    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };
    /** Python line-terminated strings (GLOBAL's module and name) are short; anything longer is refused. */
    private static final int MAX_LINE = 256;
    /**
     * Values pushed on the stack or stored in the memo, in all (each costs at most a few dozen
     * bytes). A state_dict needs about 40 per tensor (the public_small fixture's 66 tensors take
     * 2,686 opcodes), so this allows some 25,000 tensors.
     */
    static final int MAX_VALUES = 1 << 20;
    /** Containers within containers; a state_dict nests 4 deep (the _metadata attribute's dicts). */
    static final int MAX_DEPTH = 32;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String where;
    private final MemorySegment data;
    private final Set<PickleGlobal> allowed;
    private final PickleHandler handler;
    private final List<Object> stack = new ArrayList<>();
    /** Stack heights at each open MARK. */
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    /** Nesting depth of each container built (absent = a scalar, depth 0); exact because of {@link #sealed}. */
    private final Map<Object, Integer> depths = new IdentityHashMap<>();
    /** Containers that are inside another container, and so may gain no more items. */
    private final Set<Object> sealed = Collections.newSetFromMap(new IdentityHashMap<>());
    private long values;
    private long pos;
    private long opStart;
    private String opName = "";

    /**
     * @param where   names the pickle in errors (file and zip entry)
     * @param data    the pickle's bytes
     * @param allowed the only globals GLOBAL may name
     * @param handler the meaning of persistent ids, REDUCE and BUILD
     */
    PickleReader(String where, MemorySegment data, Set<PickleGlobal> allowed, PickleHandler handler) {
        this.where = where;
        this.data = data;
        this.allowed = Set.copyOf(allowed);
        this.handler = handler;
    }

    /** Interprets the pickle up to STOP and returns the object it describes. */
    Object read() {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    opName = "PROTO";
                    int version = u8();
                    if (version != 2) {
                        throw fail("pickle protocol " + version + " (torch.save writes protocol 2; only 2 is supported)");
                    }
                }
                case '.' -> { // STOP
                    opName = "STOP";
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw fail("STOP with " + stack.size() + " values on the stack and " + marks.size()
                                + " open marks (expected exactly one value)");
                    }
                    if (pos != data.byteSize()) {
                        throw fail((data.byteSize() - pos) + " bytes after STOP");
                    }
                    return stack.get(0);
                }
                case 'c' -> { // GLOBAL
                    opName = "GLOBAL";
                    PickleGlobal g = new PickleGlobal(line(), line());
                    if (!allowed.contains(g)) {
                        throw fail("global " + g + " is not allowed (allowed: " + allowed.stream().map(Object::toString)
                                .sorted().collect(Collectors.joining(", ")) + ")");
                    }
                    push(g);
                }
                case 'R' -> { // REDUCE
                    opName = "REDUCE";
                    Object args = pop();
                    Object callable = pop();
                    if (!(callable instanceof PickleGlobal g)) {
                        throw fail("REDUCE of a " + describe(callable) + ", not of a global");
                    }
                    if (!(args instanceof PickleTuple t)) {
                        throw fail("REDUCE of " + g + " with a " + describe(args) + " instead of an argument tuple");
                    }
                    push(handle(() -> handler.call(g, t.items())));
                }
                case 'b' -> { // BUILD
                    opName = "BUILD";
                    Object state = pop();
                    Object target = peek();
                    handle(() -> {
                        handler.build(target, state);
                        return null;
                    });
                    nest(target, state); // BUILD put state's values inside target
                }
                case 'Q' -> { // BINPERSID
                    opName = "BINPERSID";
                    Object id = pop();
                    push(handle(() -> handler.persistentLoad(id)));
                }
                case '(' -> { // MARK
                    opName = "MARK";
                    marks.add(stack.size());
                    push(MARK);
                }
                case 'q' -> { // BINPUT
                    opName = "BINPUT";
                    memoPut(u8(), peek());
                }
                case 'r' -> { // LONG_BINPUT
                    opName = "LONG_BINPUT";
                    memoPut(u32(), peek());
                }
                case 'h' -> { // BINGET
                    opName = "BINGET";
                    push(memoGet(u8()));
                }
                case 'j' -> { // LONG_BINGET
                    opName = "LONG_BINGET";
                    push(memoGet(u32()));
                }
                case 'N' -> {
                    opName = "NONE";
                    push(null);
                }
                case 0x88 -> {
                    opName = "NEWTRUE";
                    push(Boolean.TRUE);
                }
                case 0x89 -> {
                    opName = "NEWFALSE";
                    push(Boolean.FALSE);
                }
                case 'K' -> {
                    opName = "BININT1";
                    push((long) u8());
                }
                case 'M' -> {
                    opName = "BININT2";
                    push((long) u16());
                }
                case 'J' -> {
                    opName = "BININT";
                    push((long) i32());
                }
                case 0x8a -> {
                    opName = "LONG1";
                    push(long1());
                }
                case 'X' -> {
                    opName = "BINUNICODE";
                    push(utf8(u32()));
                }
                case ')' -> {
                    opName = "EMPTY_TUPLE";
                    push(new PickleTuple(List.of()));
                }
                case 't' -> {
                    opName = "TUPLE";
                    push(tuple(popToMark()));
                }
                case 0x85, 0x86, 0x87 -> {
                    int n = op - 0x84;
                    opName = "TUPLE" + n;
                    Object[] items = new Object[n];
                    for (int i = n - 1; i >= 0; i--) {
                        items[i] = pop();
                    }
                    push(tuple(java.util.Arrays.asList(items)));
                }
                case '}' -> {
                    opName = "EMPTY_DICT";
                    push(new LinkedHashMap<Object, Object>());
                }
                case 's' -> {
                    opName = "SETITEM";
                    Object value = pop();
                    Object key = pop();
                    setItem(peek(), key, value);
                }
                case 'u' -> {
                    opName = "SETITEMS";
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw fail("SETITEMS with an odd number (" + items.size() + ") of keys and values");
                    }
                    Object d = peek();
                    for (int i = 0; i < items.size(); i += 2) {
                        setItem(d, items.get(i), items.get(i + 1));
                    }
                }
                case ']' -> {
                    opName = "EMPTY_LIST";
                    push(new ArrayList<Object>());
                }
                case 'a' -> {
                    opName = "APPEND";
                    Object value = pop();
                    List<Object> l = list(peek());
                    nest(l, value);
                    l.add(value);
                }
                case 'e' -> {
                    opName = "APPENDS";
                    List<Object> items = popToMark();
                    List<Object> l = list(peek());
                    for (Object item : items) {
                        nest(l, item);
                    }
                    l.addAll(items);
                }
                default -> {
                    opName = "";
                    throw fail(String.format("opcode 0x%02x%s is not supported (not one torch.save emits for a state_dict)",
                            op, op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
                }
            }
        }
    }

    private interface Action {
        Object run();
    }

    /** Runs a handler callback, turning its IllegalArgumentException into an error naming the position. */
    private Object handle(Action action) {
        try {
            return action.run();
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    private WeightsException fail(String message) {
        return new WeightsException(where + ": byte " + opStart + (opName.isEmpty() ? "" : " (" + opName + ")") + ": "
                + message);
    }

    /** A short description of a value for error messages (never its full contents, which may be huge or cyclic). */
    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof PickleGlobal g) {
            return "global " + g;
        }
        if (o instanceof String s) {
            return "str '" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
        }
        if (o instanceof Long l) {
            return "int " + l;
        }
        if (o instanceof Boolean b) {
            return "bool " + (b ? "True" : "False");
        }
        if (o instanceof PickleTuple t) {
            return "tuple of " + t.size();
        }
        if (o instanceof List<?> l) {
            return "list of " + l.size();
        }
        if (o instanceof Map<?, ?> m) {
            return "dict of " + m.size();
        }
        return o.getClass().getSimpleName();
    }

    private void push(Object o) {
        countValue();
        stack.add(o);
    }

    private void memoPut(long index, Object o) {
        countValue();
        memo.put(index, o);
    }

    private void countValue() {
        if (++values > MAX_VALUES) {
            throw fail("more than " + MAX_VALUES + " values pushed or memoized (MAX_VALUES; a state_dict needs about"
                    + " 40 per tensor)");
        }
    }

    private PickleTuple tuple(List<Object> items) {
        PickleTuple t = new PickleTuple(items);
        for (Object item : items) {
            nest(t, item);
        }
        return t;
    }

    private void setItem(Object d, Object k, Object value) {
        Map<Object, Object> map = dict(d);
        String key = key(k);
        nest(map, value);
        map.put(key, value);
    }

    private static boolean isContainer(Object o) {
        return o instanceof PickleTuple || o instanceof List<?> || o instanceof Map<?, ?>;
    }

    /**
     * Records that {@code item} goes inside {@code container}. A container that is already inside
     * another gains no items (pickle fills a container before it uses it), so each container's
     * depth is fixed once it is nested and no value can come to contain itself.
     */
    private void nest(Object container, Object item) {
        if (isContainer(item)) {
            sealed.add(item); // first, so that putting a container inside itself is refused below
        }
        if (sealed.contains(container)) {
            throw fail("adding to a " + describe(container) + " that is already inside another container (or itself);"
                    + " pickles of a state_dict never do, and it could make a cycle");
        }
        int depth = depths.getOrDefault(item, 0) + 1;
        if (depth > MAX_DEPTH) {
            throw fail("values nested more than " + MAX_DEPTH + " deep (MAX_DEPTH; a state_dict nests 4 deep)");
        }
        depths.merge(container, depth, Math::max);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) {
            throw fail("no MARK to pop to");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw fail("memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw fail("setting items of a " + describe(o) + ", not of a dict");
        }
        return (Map<Object, Object>) m;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (!(o instanceof ArrayList<?> l)) {
            throw fail("appending to a " + describe(o) + ", not to a list");
        }
        return (List<Object>) l;
    }

    /**
     * Dict keys must be str: a state_dict's keys (and its _metadata's) are, and a str hashes in
     * time linear in its length, where a tuple would be hashed recursively (forever, for a hostile
     * pickle's shared or cyclic tuples). Checked before the key is hashed.
     */
    private String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        throw fail("dict key of type " + describe(k) + " is not supported (only str keys)");
    }

    private void need(long n) {
        if (n < 0 || pos > data.byteSize() - n) {
            throw fail("pickle ends early: needs " + n + " more bytes at byte " + pos + " of " + data.byteSize()
                    + " (truncated?)");
        }
    }

    private int u8() {
        need(1);
        return data.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    private int u16() {
        need(2);
        int v = data.get(U16, pos) & 0xFFFF;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    /** LONG1: a length byte, then that many bytes of two's-complement little-endian integer. */
    private long long1() {
        int n = u8();
        if (n > 8) {
            throw fail("integer of " + n + " bytes does not fit in 64 bits");
        }
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (data.get(ValueLayout.JAVA_BYTE, pos + i) & 0xFFL) << (8 * i);
        }
        if (n > 0 && n < 8 && (data.get(ValueLayout.JAVA_BYTE, pos + n - 1) & 0x80) != 0) {
            v |= -1L << (8 * n); // sign-extend
        }
        pos += n;
        return v;
    }

    private String utf8(long length) {
        need(length);
        if (length > Integer.MAX_VALUE - 8) {
            throw fail("string of " + length + " bytes");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .decode(data.asSlice(pos, length).asByteBuffer()).toString();
            pos += length;
            return s;
        } catch (CharacterCodingException e) {
            throw fail("string is not valid UTF-8");
        }
    }

    /** A newline-terminated ASCII line (GLOBAL's operands). */
    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return sb.toString();
            }
            if (c < 0x20 || c > 0x7e || sb.length() >= MAX_LINE) {
                throw fail("malformed GLOBAL operand");
            }
            sb.append((char) c);
        }
    }
}
