package org.soundstorm4j.spark;

import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** The task side of {@link SparkGeneration#generate}: a partition's rows through the executor's model. */
final class PartitionGenerator implements MapPartitionsFunction<Row, Row> {
    private final SparkGenerationOptions options;
    private final InputColumns columns;

    PartitionGenerator(SparkGenerationOptions options, InputColumns columns) {
        this.options = options;
        this.columns = columns;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        if (!input.hasNext()) {
            return Collections.emptyIterator(); // an empty partition loads nothing
        }
        return new GeneratedRows(input, columns, options, ExecutorModels.forTask(options));
    }
}
