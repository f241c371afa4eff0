/*
 * greedy.h: which rows of a decoding iteration take the argmax instead of sampling, for
 * score_tokens.clh and score_tokens_warp.cu alike, as org.soundstorm4j.sampler.MaskSchedule.greedy
 * (docs/ARCHITECTURE.md, "Decoding"): the iteration that leaves a row with nothing masked at the level, the
 * level's last iteration or an earlier one (fewer positions than iterations, a shorter row of a
 * batch). stay[stay_offset + b] is row b's count of positions still masked after this iteration,
 * the entry commit_tokens reads. A row that finished the level before this iteration also reads 0,
 * but has no candidate position, so it draws nothing either way.
 */
#ifndef SOUNDSTORM4J_GREEDY_H
#define SOUNDSTORM4J_GREEDY_H

#include "portable.h"

INLINE int row_is_greedy(GLOBAL const int *stay, int stay_offset, int b) {
    return stay[stay_offset + b] == 0;
}

#endif
