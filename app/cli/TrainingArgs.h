#pragma once
// How each planned run should be trained (#33): the learning rate, batch and warm-up every plan-making
// command (predict, optimum, suggest, plan-sweep) adds to its configs — from the runs' own fitted laws when
// they determine one, else from the preset --hparams names (Step Law by default).
#include "app/cli/CliArgs.h"
#include "core/fit/HyperparameterLaw.h"
#include "core/io/Json.h"
#include "core/model/Accounting.h"

#include <optional>

namespace moescope::cli {

OptionSpec hparamsOption(); // --hparams steplaw|deepseek
// UsageError naming --hparams when the preset is unknown.
const HparamPreset& hparamPresetFromArgs(const CliArgs& args);
// The runs' learning-rate law when they have a learning-rate column that determines one.
std::optional<HparamLaws> fittedHparams(const RunTable& table);
// The same for the runs of a file, read with the command's import options; none when it does not load (the
// command that names it reports that on its own path).
std::optional<HparamLaws> fittedHparams(const std::string& path, const CliArgs& args);

} // namespace moescope::cli
