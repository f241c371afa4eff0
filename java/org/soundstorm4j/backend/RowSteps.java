package org.soundstorm4j.backend;

/**
 * One decoding pass's parameters per row of the batch, on the device, so that one
 * {@link Backend#scoreTokens}/{@link Backend#commitTokens} call (and one recorded graph) serves rows
 * at different levels, iterations and settings. Row b's fields are {@code ints[b * INTS + k]} and
 * {@code floats[b * FLOATS + k]} for the offsets below, which {@code kernels/row_steps.h} repeats
 * for the kernels. {@link RowStep#pack} builds the two host tables and {@link #write} copies them.
 *
 * @param ints   {@code [rows * INTS]}: LEVEL (-1: the row is idle this pass: it scores nothing,
 *               confidence +infinity and drawn 0, and commits nothing), ITERATION, TOP_K (0 = all),
 *               STAY (positions of the row that stay masked after this pass; 0 makes the row greedy,
 *               as {@code MaskSchedule.greedy}), SEED_LOW, SEED_HIGH (the random key's 64-bit seed)
 * @param floats {@code [rows * FLOATS]}: INVERSE_TEMPERATURE ({@code 1 / t_i}, computed once on the
 *               host so that every backend uses the same float), CHOICE_NOISE ({@code c_i})
 */
public record RowSteps(IntTensor ints, Tensor floats) {
    /** Ints per row. */
    public static final int INTS = 6;
    public static final int LEVEL = 0;
    public static final int ITERATION = 1;
    public static final int TOP_K = 2;
    public static final int STAY = 3;
    public static final int SEED_LOW = 4;
    public static final int SEED_HIGH = 5;
    /** Floats per row. */
    public static final int FLOATS = 2;
    public static final int INVERSE_TEMPERATURE = 0;
    public static final int CHOICE_NOISE = 1;
    /** The LEVEL of a row that takes no part in a pass. */
    public static final int IDLE = -1;

    /** Zero-filled tables for up to {@code rows} rows. */
    public static RowSteps allocate(Backend backend, int rows) {
        return new RowSteps(backend.allocateInts((long) rows * INTS), backend.allocate((long) rows * FLOATS));
    }

    /** The rows these tables hold. */
    public long rows() {
        return Math.min(ints.size() / INTS, floats.size() / FLOATS);
    }

    /** Copies packed tables into the first rows: two host-to-device copies. */
    public void write(Backend backend, RowStep.Packed packed) {
        backend.write(ints, packed.ints());
        backend.write(floats, packed.floats());
    }

    /** Throws naming {@code op} when these tables hold fewer than {@code batch} rows. */
    public void require(String op, int batch) {
        TensorSizes.require(op + " row steps (ints)", ints.size(), (long) batch * INTS);
        TensorSizes.require(op + " row steps (floats)", floats.size(), (long) batch * FLOATS);
    }

    public void release(Backend backend) {
        backend.release(ints);
        backend.release(floats);
    }
}
