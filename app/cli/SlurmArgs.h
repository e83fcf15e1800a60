#pragma once
// --slurm SCRIPT --shared-dir DIR [--trainer PATH] [--train-args '...'] [--gpus-per-task N], shared by the
// commands that export runs to a cluster (suggest, plan-sweep).
#include "app/cli/CliArgs.h"
#include "core/jobs/TrainerJob.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace moescope::cli {

// --train-args split into words: the extra moescope-train options every exported run gets.
std::vector<std::string> trainArgWords(const CliArgs& args);
// Writes the array script to --slurm; UsageError naming the option for a value that cannot go in a script;
// the exit code (1 when the file cannot be written).
int writeSlurmScript(const CliArgs& args, const std::vector<TrainerJob>& jobs, std::ostream& err);

} // namespace moescope::cli
