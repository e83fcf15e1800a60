// `fit --law chinchilla|abnar|li|clark|ludziejewski` and `optimum`: the parametric laws on runs or presets.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/ExtrapolationArgs.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"
#include "app/cli/TrainingArgs.h"
#include "core/fit/ConfigJson.h"
#include "core/fit/LawFitter.h"
#include "core/fit/Outliers.h"
#include "core/fit/Planner.h"
#include "core/io/Json.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>

namespace moescope::cli {

namespace {

std::unique_ptr<ParametricLaw> lawOrThrow(const std::string& option, const std::string& id) {
    auto law = makeLaw(id);
    if (!law) {
        std::string ids;
        for (const auto& l : lawIds())
            ids += (ids.empty() ? "" : ", ") + l;
        throw UsageError("option --" + option + ": unknown law '" + id + "' (laws: " + ids + ", isoflop)");
    }
    return law;
}

} // namespace

// Fits the plan's law to the runs of FILE; `fit` dispatches here for every law but isoflop.
int fitLawCommand(const CliArgs& args, const AnalysisPlan& plan, std::ostream& out, std::ostream& err,
                  LawFit* result, double* largestBudget) {
    RunTable table;
    int code = 0;
    if (!loadPlannedRuns(args.positionals()[0], args, plan, table, err, code)) return code;
    if (largestBudget) {
        const auto budgets = groupByBudget(table);
        *largestBudget = budgets.empty() ? 0 : budgets.rbegin()->first;
    }
    const LawAnalysis analysis = analyzeLaw(table, plan);
    for (const auto& [why, n] : analysis.leftOut)
        err << args.positionals()[0] << ": " << n << " run(s) left out of the " << analysis.lawId
            << " fit: " << why << "\n";
    if (!analysis.fit) {
        err << args.positionals()[0] << ": " << analysis.problem << "\n";
        return 2;
    }
    const LawFit& fit = *analysis.fit;
    const ParametricLaw* law = analysis.law.get();
    if (result) *result = fit;
    Json j = lawFitJson(fit);
    j.set("holdout", analysis.heldOutLabel);
    // Every run beyond the flag threshold, whether it was excluded or not.
    Json outliers = Json::array();
    for (size_t i = 0; i < analysis.outlierZ.size(); ++i) {
        const double z = analysis.outlierZ[i];
        if (!(std::fabs(z) > (plan.excludeOutliers ? plan.outlierZ : kOutlierZ))) continue;
        const Run& run = table.runs[analysis.runs[i]];
        const bool excluded = std::find(analysis.outliersExcluded.begin(), analysis.outliersExcluded.end(),
                                        static_cast<int>(i)) != analysis.outliersExcluded.end();
        Json o = Json::object();
        o.set("line", run.sourceLine);
        o.set("z", z);
        o.set("excluded", excluded);
        outliers.push(std::move(o));
        err << args.positionals()[0] << ":" << run.sourceLine << ": outlier, robust z " << z
            << (excluded ? " (excluded by --exclude-outliers)"
                         : " (kept; --exclude-outliers Z leaves such runs out)")
            << "\n";
    }
    j.set("outliers", std::move(outliers));
    for (const auto& w : fit.warnings)
        err << args.positionals()[0] << ": warning: " << w << "\n";
    j.set("plan", planJson(plan));
    if (out.rdbuf()) {
        if (args.has("json"))
            out << j.dump() << "\n";
        else {
            out << law->formula() << "\n";
            for (const auto& [name, value] : fit.reported) {
                char buf[160];
                const auto band =
                    fit.ci95.count(name) ? fit.ci95.at(name) : std::pair<double, double>{NAN, NAN};
                std::snprintf(buf, sizeof buf, "  %-8s %12.6g   95%% [%.6g, %.6g]\n", name.c_str(), value,
                              band.first, band.second);
                out << buf;
            }
            out << "  objective " << fit.objective << ", R² " << fit.metrics.r2 << ", RMSE "
                << fit.metrics.rmse << " on " << fit.metrics.n << " runs; " << fit.starts << " starts in "
                << fit.seconds << " s; solver " << fit.termination.type << " after "
                << fit.termination.iterations << " iterations\n";
            if (fit.heldout)
                out << "  held out (" << analysis.heldOutLabel << "): R² " << fit.heldout->r2 << ", RMSE "
                    << fit.heldout->rmse << " on " << fit.heldout->n << " runs\n";
        }
    }
    return 0;
}

namespace {

// `optimum FILE --law isoflop`: the isoFLOP frontier's optimum (core/fit/Extrapolation.h), as `optimum`
// prints a plan.
int isoflopOptimum(const CliArgs& args, double budget, double maxParams, std::ostream& out,
                   std::ostream& err) {
    ExtrapolationOptions o = extrapolationOptionsFromArgs(args);
    o.methods = {"isoflop"};
    PredictRequest req;
    req.budget = budget;
    req.maxParams = maxParams;
    req.method = "isoflop";
    Prediction p;
    int code = 0;
    if (!loadAndPredict(args, o, req, p, err, code)) return code;
    const PlannedConfig& c = p.architecture;
    const FrontierPoint& f = p.point;
    Json j =
        configJson({c.arch, c.heads, c.params, c.activeParams, c.sparsity, c.tokens, c.flops, f.loss.value});
    Json cont = Json::object();
    cont.set("params", f.params.value);
    cont.set("active_params", f.activeParams.value);
    cont.set("sparsity", f.sparsity);
    cont.set("tokens", f.tokens.value);
    cont.set("predicted_loss", f.loss.value);
    j.set("continuous", cont);
    j.set("method", "isoflop");
    j.set("extrapolation_decades", p.extrapolationDecades);
    if (args.has("json")) {
        out << j.dump() << "\n";
        return 0;
    }
    char buf[300];
    std::snprintf(
        buf, sizeof buf,
        "optimum at C = %.3g by the isoFLOP frontier: S = %.4f, N* %.4g [%.4g, %.4g], D* %.4g tokens, "
        "L* %.4f; nearest model d_model %g, %g layers, E %g, K %g\n",
        budget, f.sparsity, f.params.value, f.params.lo, f.params.hi, f.tokens.value, f.loss.value,
        c.arch.d_model, c.arch.n_layers, c.arch.experts, c.arch.active_experts);
    out << buf;
    return 0;
}

} // namespace

int optimumCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = planOptions();
    for (const char* name : {"preset", "budget", "max-params", "max-sparsity", "experts", "aspect", "vocab",
                             "ctx", "granularity", "active", "loss-floor", "tolerance", "hparams"})
        specs.push_back({name});
    for (auto& o : importOptions())
        specs.push_back(o);
    specs.push_back({"json", false});
    const CliArgs args(rawArgs, specs);
    const HparamPreset& hparamPreset = hparamPresetFromArgs(args);
    if (args.has("law") == args.has("preset"))
        throw UsageError("optimum: give FILE --law LAW, or --preset LAW");
    PlanOptions o;
    o.budget = args.requiredNumber("budget");
    if (!(o.budget > 0)) throw UsageError("option --budget: must be positive");
    o.maxParams = args.number("max-params", o.maxParams);
    o.maxSparsity = args.number("max-sparsity", o.maxSparsity);
    o.experts = args.number("experts", o.experts);
    o.family.aspect = args.number("aspect", o.family.aspect);
    o.family.vocab = args.number("vocab", o.family.vocab);
    o.family.ctx = args.number("ctx", o.family.ctx);
    o.family.granularity = args.number("granularity", o.family.granularity);
    o.family.activeExperts = args.integer("active", o.family.activeExperts);
    if (o.family.activeExperts < 1) throw UsageError("option --active: must be ≥ 1");

    std::unique_ptr<ParametricLaw> law;
    std::vector<double> p;
    std::string source;
    double largest = 0; // the runs' largest budget (a fitted law), 0 for a preset
    if (args.has("preset")) {
        if (!args.positionals().empty()) throw UsageError("optimum --preset takes no FILE");
        std::optional<Preset> preset = makePreset(args.value("preset"));
        if (!preset) {
            std::string ids;
            for (const auto& l : presetIds())
                ids += (ids.empty() ? "" : ", ") + l;
            throw UsageError("option --preset: unknown preset '" + args.value("preset") +
                             "' (presets: " + ids + ")");
        }
        law = std::move(preset->law);
        p = std::move(preset->parameters);
        source = preset->source;
        if (args.value("preset") == law->id() && !law->presetPlanProblem().empty()) {
            err << "moescope-cli optimum: --preset " << law->id() << ": " << law->presetPlanProblem() << "\n";
            return 2;
        }
    } else {
        if (args.positionals().size() != 1) throw UsageError("optimum: expected one FILE with --law");
        if (args.value("law") == "isoflop") return isoflopOptimum(args, o.budget, o.maxParams, out, err);
        law = lawOrThrow("law", args.value("law"));
        LawFit fit;
        std::ostream silent(nullptr);
        AnalysisPlan plan = planFromArgs(args);
        plan.law = law->id();
        const int code = fitLawCommand(args, plan, silent, err, &fit, &largest);
        if (code != 0) return code;
        p = fit.parameters;
        if (largest > 0 && o.budget > largest * 1.05)
            err << args.positionals()[0] << ": warning: extrapolating " << std::log10(o.budget / largest)
                << " decade(s) past the largest budget swept (" << largest
                << "); `moescope-cli predict` gives the interval and every reason for doubt\n";
    }
    Plan plan;
    try {
        plan = planOptimum(*law, p, o);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (!plan.problems.empty()) {
        for (const auto& why : plan.problems)
            err << "moescope-cli optimum: " << law->id() << " at C = " << o.budget << ": " << why << "\n";
        err << "moescope-cli optimum: no trainable model planned\n";
        return 2;
    }
    if (!plan.sparsityMatters && law->id() != "chinchilla")
        err << "moescope-cli optimum: the " << law->id()
            << " law has no sparsity or expert term: planned at E = " << plan.concrete.arch.experts
            << " (choose with --experts)\n";
    const PlannedConfig& c = plan.concrete;
    Json j = configJson(
        {c.arch, c.heads, c.params, c.activeParams, c.sparsity, c.tokens, c.flops, c.predictedLoss});
    // How to train it: the runs' learning-rate law when FILE has one, else the --hparams preset.
    const std::optional<HparamLaws> fitted =
        args.positionals().empty() ? std::nullopt : fittedHparams(args.positionals()[0], args);
    addTraining(j, adviseTrainingFor(c.arch, c.tokens, fitted ? &*fitted : nullptr, hparamPreset));
    Json cont = Json::object();
    cont.set("params", plan.params);
    cont.set("active_params", plan.activeParams);
    cont.set("sparsity", plan.sparsity);
    cont.set("tokens", plan.tokens);
    cont.set("predicted_loss", plan.loss);
    j.set("continuous", cont);
    if (args.has("preset")) j.set("preset_source", source);
    if (largest > 0) j.set("extrapolation_decades", std::max(0.0, std::log10(o.budget / largest)));
    if (args.has("json"))
        out << j.dump() << "\n";
    else {
        char buf[400];
        std::snprintf(
            buf, sizeof buf,
            "optimum at C = %.3g: d_model %g, %g layers, %d heads, E %g, K %g (S = %.4f): N %.4g, N_a %.4g, "
            "D %.4g tokens, r %.3f, predicted loss %.4f\n",
            o.budget, plan.concrete.arch.d_model, plan.concrete.arch.n_layers, plan.concrete.heads,
            plan.concrete.arch.experts, plan.concrete.arch.active_experts, plan.concrete.sparsity,
            plan.concrete.params, plan.concrete.activeParams, plan.concrete.tokens, plan.concrete.ratio,
            plan.concrete.predictedLoss);
        out << buf;
        if (args.has("preset")) out << "preset: " << source << "\n";
    }
    return 0;
}

} // namespace moescope::cli
