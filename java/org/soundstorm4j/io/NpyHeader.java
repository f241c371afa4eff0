package org.soundstorm4j.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header dictionary of a .npy file, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
 *
 * <p>It is a Python literal, not JSON (single quotes, {@code True}/{@code False}, tuples with
 * trailing commas), so it gets its own small parser that accepts exactly the subset NumPy
 * writes: a dict with string keys whose values are strings, booleans or tuples of integers.
 */
record NpyHeader(String descr, boolean fortranOrder, int[] shape) {
    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

    /** Parses a header; {@code file} only serves error messages. */
    static NpyHeader parse(String text, String file) {
        Map<String, Object> dict = new Parser(text, file).dict();
        if (!dict.keySet().equals(KEYS)) {
            throw new NpyException(file + ": header keys are " + dict.keySet() + ", expected " + KEYS);
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new NpyException(file + ": header 'descr' is not a string: " + dict.get("descr"));
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new NpyException(file + ": header 'fortran_order' is not a boolean: " + dict.get("fortran_order"));
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new NpyException(file + ": header 'shape' is not a tuple: " + dict.get("shape"));
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new NpyException(file + ": header 'shape' entry " + i + " is not a dimension in [0, 2^31): "
                        + dims.get(i));
            }
            shape[i] = (int) (long) d;
        }
        return new NpyHeader(descr, fortran, shape);
    }

    /** Formats the dictionary the way NumPy does, without the padding and newline. */
    String format() {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': (");
        for (int d : shape) {
            sb.append(d).append(shape.length == 1 ? "," : ", ");
        }
        if (shape.length > 1) {
            sb.setLength(sb.length() - 2);
        }
        return sb.append("), }").toString();
    }

    @Override
    public String toString() {
        return format();
    }

    /** Recursive-descent parser over the Python literal subset described above. */
    private static final class Parser {
        private final String text;
        private final String file;
        private int pos;

        Parser(String text, String file) {
            this.text = text;
            this.file = file;
        }

        private NpyException error(String problem) {
            return new NpyException(file + ": bad header at character " + pos + " (" + problem + "): " + text.strip());
        }

        Map<String, Object> dict() {
            skipSpace();
            expect('{');
            Map<String, Object> dict = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                Object value = value();
                if (dict.put(key, value) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                skipSpace();
                if (peek() != '}') {
                    expect(',');
                }
            }
            skipSpace();
            if (pos != text.length()) {
                throw error("trailing characters");
            }
            return dict;
        }

        private Object value() {
            int c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(' || c == '[') {
                return tuple((char) c == '(' ? ')' : ']');
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            return integer();
        }

        private List<Object> tuple(char close) {
            pos++;
            List<Object> items = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    return items;
                }
                items.add(integer());
                skipSpace();
                if (peek() != close) {
                    expect(',');
                }
            }
        }

        private Long integer() {
            int start = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
                pos++;
            }
            if (pos == start) {
                throw error("expected an integer, a string, a tuple, True or False");
            }
            String digits = text.substring(start, pos);
            if (peek() == 'L') {
                pos++; // Python 2 long suffix, found in files written by old NumPy versions
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("integer " + digits + " is too large");
            }
        }

        private String string() {
            int quote = peek();
            if (quote != '\'' && quote != '"') {
                throw error("expected a quoted string");
            }
            int end = text.indexOf(quote, pos + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String s = text.substring(pos + 1, end);
            if (s.indexOf('\\') >= 0) {
                throw error("escapes in strings are not supported");
            }
            pos = end + 1;
            return s;
        }

        private int peek() {
            return pos < text.length() ? text.charAt(pos) : -1;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\n')) {
                pos++;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && descr.equals(h.descr) && fortranOrder == h.fortranOrder
                && Arrays.equals(shape, h.shape);
    }

    @Override
    public int hashCode() {
        return descr.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
