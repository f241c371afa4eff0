package org.soundstorm4j.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Where the input's columns are, checked on the driver before any task runs: {@code id} string and
 * {@code semantic} array of integers are required; {@code seed} (integer), {@code prompt_semantic}
 * (array of integers) and {@code prompt_acoustic} (array of arrays of integers) are optional. Any
 * integer width is taken (JSON gives long, Parquet written by others may give int). A
 * {@code _corrupt_record} string column, where Spark's JSON reader puts a line it could not read into
 * the schema, makes each row where it is set a bad row. Other columns are ignored.
 */
record InputColumns(int id, int semantic, int seed, int promptSemantic, int promptAcoustic, int malformed)
        implements Serializable {
    static final int ABSENT = -1;
    /** Spark's default {@code spark.sql.columnNameOfCorruptRecord}: its JSON reader's text of a line it could not read. */
    static final String MALFORMED = "_corrupt_record";

    private static final Set<DataType> INTEGERS = Set.of(DataTypes.ByteType, DataTypes.ShortType,
            DataTypes.IntegerType, DataTypes.LongType);

    /**
     * The columns of {@code schema}.
     *
     * @throws IllegalArgumentException naming a required column that is missing, or a column of the wrong type
     */
    static InputColumns of(StructType schema) {
        return new InputColumns(
                find(schema, "id", true, DataTypes.StringType, "string"),
                find(schema, "semantic", true, array(DataTypes.LongType), "array<int> or array<long>"),
                find(schema, "seed", false, DataTypes.LongType, "int or long"),
                find(schema, "prompt_semantic", false, array(DataTypes.LongType), "array<int> or array<long>"),
                find(schema, "prompt_acoustic", false, array(array(DataTypes.LongType)),
                        "array<array<int>> or array<array<long>>"),
                find(schema, MALFORMED, false, DataTypes.StringType, "string"));
    }

    private static int find(StructType schema, String name, boolean required, DataType shape, String wanted) {
        int index = Arrays.asList(schema.fieldNames()).indexOf(name);
        if (index < 0) {
            if (required) {
                throw new IllegalArgumentException("the input has no column '" + name + "' (it has "
                        + String.join(", ", schema.fieldNames()) + "); required: id string, semantic array<int>");
            }
            return ABSENT;
        }
        DataType type = schema.fields()[index].dataType();
        if (!sameShape(type, shape)) {
            throw new IllegalArgumentException("input column '" + name + "' is " + type.simpleString() + "; it must be "
                    + wanted);
        }
        return index;
    }

    /** Whether {@code type} is {@code shape} up to the integer widths (and the string of {@code id}). */
    private static boolean sameShape(DataType type, DataType shape) {
        if (shape instanceof ArrayType a) {
            return type instanceof ArrayType t && sameShape(t.elementType(), a.elementType());
        }
        return shape.equals(DataTypes.LongType) ? INTEGERS.contains(type) : type.equals(shape);
    }

    private static DataType array(DataType element) {
        return DataTypes.createArrayType(element);
    }
}
