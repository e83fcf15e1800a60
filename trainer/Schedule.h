#pragma once
// The learning-rate schedule of a run (ARCHITECTURE.md §7): linear warm-up, then either cosine decay to a
// tenth of the peak (the default) or warm-up–stable–decay (Hägele et al. 2024, arXiv 2405.18392): the peak
// held until the last --decay-frac of the steps, then a cooldown to zero. A WSD run's stable phase does not
// depend on its length beyond where the cooldown starts, which is what lets one stable run carry cooldown
// branches of several lengths (--branch-from).
#include "trainer/TrainerOptions.h"

#include <cstdint>

namespace moescope::trainer {

// Warm-up steps of a run of `total` steps: --warmup, or 5 % of the steps.
int64_t warmupSteps(const TrainerOptions& o, int64_t total);
// The first step of a WSD run's cooldown (total for cosine, which has no stable phase).
int64_t decayStart(const TrainerOptions& o, int64_t total);
// The rate for optimiser step `step` (0-based) of a run of `total` steps.
double learningRate(const TrainerOptions& o, int64_t step, int64_t total);

} // namespace moescope::trainer
