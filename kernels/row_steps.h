/*
 * row_steps.h: the layout of the per-row decoding parameters (org.soundstorm4j.backend.RowSteps,
 * whose constants must equal these): row b's ints at row_ints[b * ROW_INTS + field] and its floats
 * at row_floats[b * ROW_FLOATS + field]. ROW_LEVEL == ROW_IDLE: the row takes no part in the pass.
 */
#ifndef SOUNDSTORM4J_ROW_STEPS_H
#define SOUNDSTORM4J_ROW_STEPS_H

#define ROW_INTS 6
#define ROW_LEVEL 0
#define ROW_ITERATION 1
#define ROW_TOP_K 2
#define ROW_STAY 3
#define ROW_SEED_LOW 4
#define ROW_SEED_HIGH 5

#define ROW_FLOATS 2
#define ROW_INVERSE_TEMPERATURE 0
#define ROW_CHOICE_NOISE 1

#define ROW_IDLE (-1)

#endif
