// `plan-sweep`: core/fit/SweepPlanner.h plans; this file reads options and writes JSON, a Slurm script or a
// workspace's trainer queue. RunSweepCommand.cpp trains a plan.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/ExtrapolationArgs.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"
#include "app/cli/SlurmArgs.h"
#include "app/cli/SweepText.h"
#include "app/cli/TrainingArgs.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/SweepPlanner.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/PathNames.h"
#include "core/io/TextFile.h"
#include "core/jobs/DurationText.h"
#include "core/jobs/SweepJobs.h"
#include "core/store/Workspace.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>

namespace fs = std::filesystem;

namespace moescope::cli {

namespace {

SweepCentre centreFromArgs(const CliArgs& args, SweepOptions& o, std::ostream& err, int& code, bool& ok) {
    ok = true;
    if (args.has("around") && args.has("preset"))
        throw UsageError("options --around and --preset: give one place to centre the sweep");
    if (args.has("preset")) {
        auto preset = makePreset(args.value("preset"));
        if (!preset) throw UsageError("option --preset: unknown law '" + args.value("preset") + "'");
        try {
            return lawCentre(*preset->law, preset->parameters, o.family, "preset " + args.value("preset"));
        } catch (const std::invalid_argument& e) {
            throw UsageError("option --preset: " + std::string(e.what()));
        }
    }
    if (!args.has("around")) return heuristicCentre(o.family);
    const std::string file = args.value("around");
    ExtrapolationOptions eo = extrapolationOptionsFromArgs(args);
    RunTable runs;
    if (!loadPlannedRuns(file, args, eo.plan, runs, err, code)) {
        ok = false;
        return {};
    }
    // The sweep trains what the runs trained unless an option says otherwise.
    const ArchitectureFamily family = familyOf(runs);
    if (!args.has("vocab")) o.family.vocab = family.vocab;
    if (!args.has("ctx")) o.family.ctx = family.ctx;
    if (!args.has("aspect")) o.family.aspect = family.aspect;
    if (!args.has("granularity")) o.family.granularity = family.granularity;
    if (!args.has("active")) o.family.activeExperts = family.activeExperts;
    const FittedMethods fitted = fitMethods(runs, eo);
    // --law names the method to centre on; otherwise the one a nested backtest recommends.
    const std::string law = args.value("law", "auto");
    const std::string preferred = law != "auto" ? law : recommendMethod(runs, fitted, eo).method;
    if (law != "auto" && !fitted.find(law))
        throw UsageError("option --law: " + law + " could not be fitted to " + file);
    std::vector<std::shared_ptr<const FrontierMethod>> ordered;
    if (const auto* best = fitted.find(preferred))
        for (const auto& m : fitted.methods)
            if (m.get() == best) ordered.push_back(m);
    for (const auto& m : fitted.methods)
        if (m->name() != preferred) ordered.push_back(m);
    if (ordered.empty()) {
        err << file << ": no method could be fitted to centre the sweep";
        for (const auto& [m, why] : fitted.problems)
            err << "; " << m << ": " << why;
        err << "\n";
        code = 2;
        ok = false;
        return {};
    }
    return frontierCentre(ordered, o.family, file + " (" + ordered.front()->name() + ")");
}

int queueIntoWorkspace(const std::string& path, const Json& plan, const std::string& sweep,
                       std::ostream& err) {
    Workspace ws;
    std::string error;
    if (!ws.open(path, error, Workspace::Mode::Existing)) {
        err << error << "\n";
        return workspaceExitCode(ws.lastFailure());
    }
    for (Json run : plan["runs"].items()) {
        run.set("sweep", sweep); // the window trains it as that run group
        if (ws.addJob({0, run["name"].string(), run.dump(), "queued", "", ""}, error) == 0) {
            err << path << ": " << error << "\n";
            return 1;
        }
    }
    err << path << ": " << plan["runs"].size() << " run(s) queued for the window's trainer\n";
    return 0;
}

} // namespace

int planSweepCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = planOptions();
    for (auto& o : importOptions())
        specs.push_back(o);
    for (const char* name : {"budgets",       "sparsities", "sizes",         "spread",     "granularity",
                             "vocab",         "ctx",        "aspect",        "active",     "batch",
                             "min-steps",     "around",     "preset",        "device",     "flops-per-second",
                             "out",           "slurm",      "shared-dir",    "trainer",    "train-args",
                             "gpus-per-task", "queue",      "group",         "loss-floor", "tolerance",
                             "hparams",       "lr-ladder",  "ladder-factor", "decay-frac"})
        specs.push_back({name});
    specs.push_back({"json", false});
    specs.push_back({"wsd", false});
    const CliArgs args(rawArgs, specs);
    if (!args.positionals().empty())
        throw UsageError("plan-sweep: takes no FILE (centre on runs with --around FILE)");
    if (args.has("slurm") && (args.has("wsd") || args.has("lr-ladder")))
        throw UsageError("option --slurm: a Slurm array starts its tasks at once, but --wsd branches and "
                         "--lr-ladder transfers wait for earlier runs; train such a plan with run-sweep");
    if (args.has("decay-frac") && !args.has("wsd"))
        throw UsageError("option --decay-frac: applies to --wsd plans only");
    if (args.has("slurm") && !args.has("shared-dir"))
        throw UsageError("option --slurm needs --shared-dir (where the runs write)");
    std::string nameError;
    if (args.has("group") && !checkPathName(args.value("group"), "option --group", nameError))
        throw UsageError(nameError + " (the group names the folder its runs train in)");
    SweepOptions o;
    o.budgets = args.numbers("budgets");
    o.sparsities = args.has("sparsities") ? args.numbers("sparsities") : std::vector<double>{0};
    o.sizes = args.integer("sizes", o.sizes);
    o.spread = args.number("spread", o.spread);
    // --batch law: each run's batch from the learning-rate/batch law (--hparams or the runs' own).
    o.batchFromLaw = args.value("batch", "") == "law";
    if (!o.batchFromLaw) o.batch = args.integer("batch", o.batch);
    o.hparamPreset = &hparamPresetFromArgs(args);
    o.minSteps = args.integer("min-steps", o.minSteps);
    o.lrLadder = args.integer("lr-ladder", 0);
    o.ladderFactor = args.number("ladder-factor", o.ladderFactor);
    o.wsd = args.has("wsd");
    o.decayFrac = args.number("decay-frac", o.decayFrac);
    o.device = args.value("device", "cpu");
    o.flopsPerSecond = args.number("flops-per-second", 0);
    o.family.vocab = args.number("vocab", 256);
    o.family.ctx = args.number("ctx", 128);
    o.family.aspect = args.number("aspect", 32);
    o.family.granularity = args.number("granularity", 1);
    o.family.activeExperts = args.integer("active", 1);
    if (!(o.family.vocab >= 2) || !(o.family.ctx >= 2) || !(o.family.aspect > 0) ||
        !(o.family.granularity > 0) || o.family.activeExperts < 1)
        throw UsageError("options --vocab, --ctx, --aspect, --granularity, --active: must be positive");
    int code = 0;
    bool ok = true;
    const SweepCentre centre = centreFromArgs(args, o, err, code, ok);
    if (!ok) return code;
    // Runs to centre on may carry a learning-rate ladder: their fitted law then sets each run's rate.
    const std::optional<HparamLaws> fitted =
        args.has("around") ? fittedHparams(args.value("around"), args) : std::nullopt;
    if (fitted) o.hparams = &*fitted;
    SweepPlan plan;
    try {
        plan = planSweep(o, centre);
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        if (what.rfind("option --", 0) == 0) throw UsageError(what);
        err << "plan-sweep: " << what << "\n";
        return 2;
    }
    for (const auto& w : plan.warnings)
        err << "plan-sweep: warning: " << w << "\n";
    const Json j = sweepPlanJson(plan);
    std::string error;
    if (args.has("out") && !writeFileAtomically(args.value("out"), j.dump() + "\n", error)) {
        err << error << "\n";
        return 1;
    }
    if (args.has("slurm")) {
        std::vector<TrainerJob> jobs;
        for (const SweepRun& r : plan.runs) {
            std::vector<std::string> extra = {"--batch", std::to_string(r.batch)};
            if (r.lr > 0) extra.insert(extra.end(), {"--lr", formatNumber(r.lr)});
            if (r.warmupSteps >= 0) extra.insert(extra.end(), {"--warmup", std::to_string(r.warmupSteps)});
            for (const auto& w : trainArgWords(args))
                extra.push_back(w);
            jobs.push_back({r.name, r.config.arch, r.config.heads, r.budget, extra});
        }
        if (const int code = writeSlurmScript(args, jobs, err)) return code;
    }
    if (args.has("queue")) {
        const int q = queueIntoWorkspace(args.value("queue"), j, args.value("group", "sweep"), err);
        if (q != 0) return q;
    }
    err << "plan-sweep: " << plan.runs.size() << " run(s) around " << plan.centreSource << "; about "
        << durationText(plan.totalSeconds()) << " on " << plan.device << "\n";
    if (o.wsd || o.lrLadder)
        err << "plan-sweep: " << computeText(plan.trainedFlops, plan.independentFlops) << "\n";
    if (args.has("json")) {
        out << j.dump() << "\n";
        return 0;
    }
    for (const SweepRun& r : plan.runs) {
        char buf[300];
        std::snprintf(
            buf, sizeof buf,
            "%-32s C %.3g S %.3g: d_model %g, %g layers, E %g: N %.3g, N_a %.3g, D %.3g (%lld steps "
            "× %d), ~%s\n",
            r.name.c_str(), r.budget, r.sparsity, r.config.arch.d_model, r.config.arch.n_layers,
            r.config.arch.experts, r.config.params, r.config.activeParams, r.config.tokens, r.steps, r.batch,
            durationText(r.estimatedSeconds).c_str());
        out << buf;
    }
    return 0;
}

} // namespace moescope::cli
