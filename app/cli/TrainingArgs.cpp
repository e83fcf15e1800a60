#include "app/cli/TrainingArgs.h"

#include "app/cli/RunSource.h"

#include <cmath>
#include <ostream>

namespace moescope::cli {

OptionSpec hparamsOption() {
    return {"hparams"};
}

const HparamPreset& hparamPresetFromArgs(const CliArgs& args) {
    const std::string id = args.value("hparams", "steplaw");
    if (const HparamPreset* p = findHparamPreset(id)) return *p;
    std::string ids;
    for (const HparamPreset& p : hparamPresets())
        ids += (ids.empty() ? "" : ", ") + p.id;
    throw UsageError("option --hparams: unknown preset '" + id + "' (presets: " + ids + ")");
}

std::optional<HparamLaws> fittedHparams(const RunTable& table) {
    HparamFitOptions o;
    o.bootstrap = 200;
    try {
        HparamLaws laws = fitHparamLaws(table, o);
        if (laws.lr.determined()) return laws;
    } catch (const std::invalid_argument&) {
        // No learning-rate column: the preset answers.
    }
    return std::nullopt;
}

std::optional<HparamLaws> fittedHparams(const std::string& path, const CliArgs& args) {
    RunTable table;
    int code = 0;
    std::ostream silent(nullptr);
    if (!loadRuns(path, args, table, silent, code)) return std::nullopt;
    return fittedHparams(table);
}

void addTraining(Json& config, const TrainingAdvice& a) {
    config.set("lr", a.lr);
    config.set("lr_lo", std::isfinite(a.lrBand.lo) ? Json(a.lrBand.lo) : Json());
    config.set("lr_hi", std::isfinite(a.lrBand.hi) ? Json(a.lrBand.hi) : Json());
    config.set("batch_tokens", a.batchTokens);
    config.set("batch", static_cast<double>(a.batchSequences));
    config.set("warmup_steps", static_cast<double>(a.warmupSteps));
    config.set("hparams_source", a.source);
}

} // namespace moescope::cli
