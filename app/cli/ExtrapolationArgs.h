#pragma once
// The options of the commands that predict past the sweep (predict, backtest, optimum --law isoflop): the
// analysis plan's, plus --loss-floor and --tolerance.
#include "app/cli/CliArgs.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/HyperparameterLaw.h"

#include <iosfwd>
#include <optional>

namespace moescope::cli {

// UsageError naming the option when one is malformed.
ExtrapolationOptions extrapolationOptionsFromArgs(const CliArgs& args);

// Loads FILE (the one positional) with the plan's selection and predicts the request, its warnings on
// `err`; false with the exit code in `exitCode` when the runs or the request fail. With `hparams`, also the
// runs' learning-rate law when they determine one (TrainingArgs.h).
bool loadAndPredict(const CliArgs& args, const ExtrapolationOptions& options, const PredictRequest& request,
                    Prediction& out, std::ostream& err, int& exitCode,
                    std::optional<HparamLaws>* hparams = nullptr);

} // namespace moescope::cli
