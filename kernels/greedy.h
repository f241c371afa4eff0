/*
 * greedy.h: which rows of a decoding pass take the argmax instead of sampling, for
 * score_tokens.clh and score_tokens_warp.cu alike, as org.soundstorm4j.sampler.MaskSchedule.greedy
 * (docs/ARCHITECTURE.md, "Decoding"): the iteration that leaves a row with nothing masked at its level, the
 * level's last iteration or an earlier one (fewer positions than iterations, a shorter row of a
 * batch). The row's ROW_STAY is its count of positions still masked after this pass, the entry
 * commit_tokens reads. A row that finished the level before this iteration also reads 0,
 * but has no candidate position, so it draws nothing either way.
 */
#ifndef SOUNDSTORM4J_GREEDY_H
#define SOUNDSTORM4J_GREEDY_H

#include "portable.h"
#include "row_steps.h"

INLINE int row_is_greedy(GLOBAL const int *row_ints, int b) {
    return row_ints[b * ROW_INTS + ROW_STAY] == 0;
}

#endif
