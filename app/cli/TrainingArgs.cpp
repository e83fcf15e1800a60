#include "app/cli/TrainingArgs.h"

#include "app/cli/RunSource.h"

#include <cmath>
#include <ostream>

namespace moescope::cli {

OptionSpec hparamsOption() {
    return {"hparams"};
}

const HparamPreset& hparamPresetFromArgs(const CliArgs& args) {
    const std::string id = args.value("hparams", kDefaultHparamPreset);
    if (const HparamPreset* p = findHparamPreset(id)) return *p;
    std::string ids;
    for (const HparamPreset& p : hparamPresets())
        ids += (ids.empty() ? "" : ", ") + p.id;
    throw UsageError("option --hparams: unknown preset '" + id + "' (presets: " + ids + ")");
}

std::optional<HparamLaws> fittedHparams(const RunTable& table) {
    std::optional<HparamLaws> laws = fitHparamLawsIfAny(table);
    if (laws && laws->lr.determined()) return laws;
    return std::nullopt;
}

std::optional<HparamLaws> fittedHparams(const std::string& path, const CliArgs& args) {
    RunTable table;
    int code = 0;
    std::ostream silent(nullptr);
    if (!loadRuns(path, args, table, silent, code)) return std::nullopt;
    return fittedHparams(table);
}

} // namespace moescope::cli
