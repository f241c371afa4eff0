package org.soundstorm4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/** What the Spark tests share: a local session bound to 127.0.0.1, and reading rows back. */
final class SparkTests {
    private SparkTests() {
    }

    /** local[2] with up to 4 attempts per task (plain local[2] never retries), no UI, on 127.0.0.1. */
    static SparkSession session() {
        SparkSession spark = SparkSession.builder().appName("soundstorm4j-spark-tests")
                .master("local[2,4]")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        return spark;
    }

    /** Output rows by id. */
    static Map<String, Row> byId(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : rows) {
            if (out.put(r.getString(0), r) != null) {
                throw new AssertionError("id " + r.getString(0) + " appears twice in the output");
            }
        }
        return out;
    }

    /** An output row's tokens {@code [frames][Q]}, or null. */
    static int[][] tokens(Row r) {
        if (r.isNullAt(1)) {
            return null;
        }
        List<Object> frames = r.getList(1);
        int[][] out = new int[frames.size()][];
        for (int t = 0; t < out.length; t++) {
            Object f = frames.get(t);
            List<?> levels = f instanceof scala.collection.Seq<?> s ? CollectionConverters.asJava(s) : (List<?>) f;
            out[t] = levels.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        }
        return out;
    }

    static List<Long> longs(int[] values) {
        List<Long> out = new ArrayList<>();
        Arrays.stream(values).forEach(v -> out.add((long) v));
        return out;
    }

    static List<List<Long>> longs(int[][] frames) {
        List<List<Long>> out = new ArrayList<>();
        for (int[] f : frames) {
            out.add(longs(f));
        }
        return out;
    }
}
