#pragma once
// The analysis-plan options every analysing subcommand accepts, read into core's AnalysisPlan so the CLI
// starts from exactly the defaults the window uses.
#include "app/cli/CliArgs.h"
#include "core/fit/Analysis.h"

#include <vector>

namespace moescope::cli {

// --law --where --holdout --train --group --starts --bootstrap --degrees --leave-one-sparsity-out --seed
// --huber-delta
std::vector<OptionSpec> planOptions();
// The plan those options describe; UsageError naming the option when one is malformed. `--law isoflop`
// leaves the parametric law on auto.
AnalysisPlan planFromArgs(const CliArgs& args);

} // namespace moescope::cli
