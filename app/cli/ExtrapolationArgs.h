#pragma once
// The options of the commands that predict past the sweep (predict, backtest, optimum --law isoflop): the
// analysis plan's, plus --loss-floor and --tolerance.
#include "app/cli/CliArgs.h"
#include "core/fit/Extrapolation.h"

namespace moescope::cli {

// UsageError naming the option when one is malformed.
ExtrapolationOptions extrapolationOptionsFromArgs(const CliArgs& args);

} // namespace moescope::cli
