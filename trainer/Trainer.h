#pragma once
#include "trainer/TrainerOptions.h"

namespace moescope::trainer {

struct DistEnv;

// Trains one run as the options say, as rank env.rank of env.world (options.world and .rank agree with it),
// emitting events on stdout. Returns the process exit code: 0 done, 1 failure (out of memory, I/O, a lost
// rank), 2 invalid input, 130 stopped by a signal or --stop-at.
int train(const TrainerOptions& options, const DistEnv& env);
// --bench: tokens/s, TFLOP/s by Eq. 9 and MFU, with the time split by phase.
int benchmark(const TrainerOptions& options);

} // namespace moescope::trainer
