// moescope-cli suggest: the K runs at a budget that would most narrow the predicted optimum (criterion in
// core/fit/RunSuggester.h), as concrete configs ready to train.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/RunSource.h"
#include "app/cli/SlurmArgs.h"
#include "app/cli/TrainingArgs.h"
#include "core/fit/ConfigJson.h"
#include "core/fit/RunSuggester.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/jobs/TrainerJob.h"

#include <algorithm>
#include <optional>
#include <ostream>
#include <sstream>

namespace moescope::cli {

int suggestCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = {{"budget"},        {"count"},      {"bootstrap"}, {"json", false},
                                     {"slurm"},         {"shared-dir"}, {"trainer"},   {"train-args"},
                                     {"gpus-per-task"}, {"hparams"}};
    for (auto& o : importOptions())
        specs.push_back(o);
    const CliArgs args(rawArgs, specs);
    if (args.has("slurm") && !args.has("shared-dir"))
        throw UsageError("option --slurm needs --shared-dir (where the runs write)");
    if (args.positionals().size() != 1) throw UsageError("suggest: expected one FILE");
    const double budget = args.requiredNumber("budget");
    const HparamPreset& hparamPreset = hparamPresetFromArgs(args);
    SuggestOptions so;
    so.count = args.integer("count", 4);
    if (so.count < 1) throw UsageError("option --count: must be ≥ 1");
    IsoflopOptions io;
    io.bootstrap = args.integer("bootstrap", 100);
    if (io.bootstrap < 2) throw UsageError("option --bootstrap: suggestions need at least 2 refits");
    RunTable table;
    int code = 0;
    if (!loadRuns(args.positionals()[0], args, table, err, code)) return code;
    const std::vector<std::string> assumed = inheritFamily(table, so);
    const std::optional<HparamLaws> fitted = fittedHparams(table);
    auto said = [&](const char* name, double value) {
        const bool guess = std::find(assumed.begin(), assumed.end(), name) != assumed.end();
        std::ostringstream v;
        v << name << " " << value << (guess ? " (assumed: no run states it)" : "");
        return v.str();
    };
    err << "suggesting " << said("vocab", so.vocab) << ", " << said("ctx", so.ctx) << ", "
        << said("granularity", so.granularity) << "\n";
    const auto groups = groupByBudget(table);
    const auto* best = nearestBudget(groups, budget);
    if (!best)
        throw UsageError("option --budget " + args.value("budget") +
                         ": the runs have no fitted surface at this budget");
    try {
        const BudgetAnalysis a = analyzeBudget(best->second, best->first, io);
        const auto picks = suggestRuns(a, so);
        const std::string fewer = fewerSuggestionsWhy(picks.size(), so.count);
        if (!fewer.empty()) err << "suggest: " << fewer << "\n";
        Json list = Json::array();
        for (const Suggestion& s : picks) {
            Json j = configJson(
                {s.arch, s.heads, s.params, s.activeParams, s.sparsity, s.tokens, s.flops, s.predictedLoss});
            j.set("loss_std", s.lossStd);
            j.set("gpu_hours", s.gpuHours);
            addTraining(j, adviseTrainingFor(s.arch, s.tokens, fitted ? &*fitted : nullptr, hparamPreset));
            list.push(j);
        }
        if (args.has("slurm")) {
            std::vector<TrainerJob> jobs;
            for (const Suggestion& s : picks) {
                // How to train it, as the JSON says, before the user's own --train-args (which win).
                std::vector<std::string> extra = trainerOptions(
                    adviseTrainingFor(s.arch, s.tokens, fitted ? &*fitted : nullptr, hparamPreset));
                for (auto& w : trainArgWords(args))
                    extra.push_back(std::move(w));
                jobs.push_back({"", s.arch, s.heads, a.budget, extra});
            }
            if (const int code = writeSlurmScript(args, jobs, err)) return code;
        }
        Json j = Json::object();
        j.set("suggestions", list);
        if (!fewer.empty()) j.set("fewer_why", fewer);
        Json guessed = Json::array();
        for (const std::string& name : assumed)
            guessed.push(Json(name));
        j.set("assumed", guessed);
        j.set("criterion",
              "max bootstrap variance of predicted loss near the replicates' optima, greedily spread");
        if (args.has("json")) {
            out << j.dump() << "\n";
        } else {
            for (const Suggestion& s : picks) {
                char buf[300];
                std::snprintf(buf, sizeof buf,
                              "d_model %g, %g layers, E %g, K 1 (S %.3f): N %.3g, N_a %.3g, D %.3g tokens; "
                              "predicted loss "
                              "%.4f ± %.4f; %.2f GPU-hours\n",
                              s.arch.d_model, s.arch.n_layers, s.arch.experts, s.sparsity, s.params,
                              s.activeParams, s.tokens, s.predictedLoss, s.lossStd, s.gpuHours);
                out << buf;
            }
        }
        return 0;
    } catch (const IsoflopError& e) {
        err << args.positionals()[0] << ": " << e.what() << "\n";
        return 2;
    }
}

} // namespace moescope::cli
