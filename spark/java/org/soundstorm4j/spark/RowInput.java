package org.soundstorm4j.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.soundstorm4j.Utterance;
import org.soundstorm4j.engine.RequestCheck;
import org.soundstorm4j.model.ModelConfig;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One input row read into an utterance and its seed, or the reason it cannot be generated.
 *
 * @param id        the row's id (null only in a bad row whose id is null)
 * @param utterance the utterance, checked against the model; null in a bad row
 * @param seed      the {@code seed} column, or {@link RowSeeds#fromId} where it is absent or null
 * @param error     what is wrong with the row, or null
 */
record RowInput(String id, Utterance utterance, long seed, String error) {

    boolean isBad() {
        return error != null;
    }

    /** Reads {@code row}: every problem becomes the row's {@code error}, naming the column and position. */
    static RowInput read(Row row, InputColumns columns, ModelConfig model) {
        String id = row.isNullAt(columns.id()) ? null : row.getString(columns.id());
        if (columns.malformed() != InputColumns.ABSENT && !row.isNullAt(columns.malformed())) {
            String text = row.getString(columns.malformed());
            return bad(id, "the input line does not fit the columns (a value of the wrong type, or not JSON): "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
        }
        if (id == null) {
            return bad(null, "id is null");
        }
        try {
            int[] semantic = ints(row, columns.semantic(), "semantic");
            if (semantic == null) {
                return bad(id, "semantic is null");
            }
            int[] promptSemantic = ints(row, columns.promptSemantic(), "prompt_semantic");
            int[][] promptAcoustic = frames(row, columns.promptAcoustic());
            if ((promptSemantic == null) != (promptAcoustic == null)) {
                return bad(id, "prompt_semantic and prompt_acoustic go together: this row has only "
                        + (promptSemantic != null ? "prompt_semantic" : "prompt_acoustic"));
            }
            Utterance utterance = promptSemantic == null ? Utterance.of(semantic)
                    : Utterance.of(semantic).withPrompt(promptSemantic, promptAcoustic);
            RequestCheck.check(model, utterance, "");
            long seed = columns.seed() == InputColumns.ABSENT || row.isNullAt(columns.seed()) ? RowSeeds.fromId(id)
                    : ((Number) row.get(columns.seed())).longValue();
            return new RowInput(id, utterance, seed, null);
        } catch (IllegalArgumentException e) {
            return bad(id, e.getMessage());
        }
    }

    static RowInput bad(String id, String error) {
        return new RowInput(id, null, 0, error);
    }

    /** The integers of an array column, or null where the column is absent or null. */
    private static int[] ints(Row row, int column, String name) {
        if (column == InputColumns.ABSENT || row.isNullAt(column)) {
            return null;
        }
        return ints(row.getList(column), name);
    }

    private static int[][] frames(Row row, int column) {
        if (column == InputColumns.ABSENT || row.isNullAt(column)) {
            return null;
        }
        List<Object> rows = row.getList(column);
        int[][] out = new int[rows.size()][];
        for (int t = 0; t < out.length; t++) {
            if (rows.get(t) == null) {
                throw new IllegalArgumentException("prompt_acoustic[" + t + "] is null");
            }
            out[t] = ints(list(rows.get(t)), "prompt_acoustic[" + t + "]");
        }
        return out;
    }

    private static int[] ints(List<?> values, String name) {
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(values.get(i) instanceof Number n)) {
                throw new IllegalArgumentException(name + "[" + i + "] is null");
            }
            long v = n.longValue();
            if (v != (int) v) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + v + " is out of range");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** A nested array as Spark hands it over: a Scala sequence inside a Row, a Java list elsewhere. */
    private static List<?> list(Object nested) {
        if (nested instanceof List<?> l) {
            return l;
        }
        if (nested instanceof scala.collection.Seq<?> s) {
            return CollectionConverters.asJava(s);
        }
        throw new IllegalArgumentException("a prompt_acoustic frame is a " + nested.getClass().getName()
                + ", not an array");
    }
}
