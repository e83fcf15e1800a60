// `predict` and `backtest`: the optimum at budgets past the sweep, and how well that held on past budgets
// (core/fit/Extrapolation.h does the work; this file reads options and writes JSON or text).
#include "app/cli/BandText.h"
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/ExtrapolationArgs.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"
#include "app/cli/TrainingArgs.h"
#include "core/fit/Backtest.h"
#include "core/fit/ConfigJson.h"
#include "core/fit/Extrapolation.h"
#include "core/io/Json.h"

#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace moescope::cli {

namespace {

Json pairJson(double lo, double hi) {
    Json j = Json::array();
    j.push(lo);
    j.push(hi);
    return j;
}

Json bandPair(const Band& b) {
    return pairJson(b.lo, b.hi);
}

Json errorsJson(const std::map<std::string, double>& m) {
    Json j = Json::object();
    for (const auto& [k, v] : m)
        j.set(k, v);
    return j;
}

std::vector<OptionSpec> extrapolationSpecs(std::initializer_list<OptionSpec> own) {
    std::vector<OptionSpec> specs = planOptions();
    for (const auto& o : own)
        specs.push_back(o);
    for (const char* name : {"loss-floor", "tolerance", "n-tolerance"})
        specs.push_back({name});
    for (auto& o : importOptions())
        specs.push_back(o);
    specs.push_back({"json", false});
    return specs;
}

} // namespace

ExtrapolationOptions extrapolationOptionsFromArgs(const CliArgs& args) {
    ExtrapolationOptions o;
    o.plan = planFromArgs(args);
    if (args.has("loss-floor")) {
        o.frontier.lossFloor = args.number("loss-floor", 0);
        if (!(*o.frontier.lossFloor >= 0)) throw UsageError("option --loss-floor: must be ≥ 0");
    }
    o.tolerance = args.number("tolerance", o.tolerance);
    if (!(o.tolerance > 0)) throw UsageError("option --tolerance: must be positive");
    o.nTolerance = args.number("n-tolerance", o.nTolerance);
    if (!(o.nTolerance > 0)) throw UsageError("option --n-tolerance: must be positive (0.3 is 30 %)");
    return o;
}

bool loadAndPredict(const CliArgs& args, const ExtrapolationOptions& o, const PredictRequest& req,
                    Prediction& p, std::ostream& err, int& code, std::optional<HparamLaws>* hparams) {
    RunTable table;
    if (!loadPlannedRuns(args.positionals()[0], args, o.plan, table, err, code)) return false;
    try {
        p = o.plan.optimaTable ? predictFromOptima(table, o, req) : predictOptimum(table, o, req);
    } catch (const std::invalid_argument& e) {
        err << args.positionals()[0] << ": " << e.what() << "\n";
        code = 2;
        return false;
    }
    for (const auto& w : p.warnings)
        err << args.positionals()[0] << ": warning: " << w << "\n";
    if (hparams) *hparams = fittedHparams(table);
    return true;
}

int predictCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    const CliArgs args(
        rawArgs,
        extrapolationSpecs({{"budget"}, {"sparsity"}, {"max-params"}, {"optima", false}, hparamsOption()}));
    if (args.positionals().size() != 1) throw UsageError("predict: expected one FILE");
    ExtrapolationOptions o = extrapolationOptionsFromArgs(args);
    o.plan.optimaTable = args.has("optima");
    if (args.has("optima") && args.has("law"))
        throw UsageError("options --optima and --law: a table of optima is fitted by its own frontier");
    // The loss floor is E of a frontier's L*(C) = E + A·C^−α; a parametric law fits its own irreducible term.
    if (args.has("loss-floor") && args.has("law") && args.value("law") != "isoflop" &&
        args.value("law") != "auto")
        throw UsageError(
            "option --loss-floor: the " + args.value("law") +
            " law fits its own irreducible loss; the floor applies to the isoflop frontier and to "
            "tables of optima (--optima)");
    PredictRequest req;
    req.budget = args.requiredNumber("budget");
    if (args.has("sparsity")) req.sparsity = args.number("sparsity", 0);
    req.maxParams = args.number("max-params", req.maxParams);
    req.method = args.value("law", "auto");
    if (req.method != "auto") o.methods = {req.method};
    const HparamPreset& preset = hparamPresetFromArgs(args);
    Prediction p;
    int code = 0;
    std::optional<HparamLaws> hparams;
    if (!loadAndPredict(args, o, req, p, err, code, &hparams)) return code;
    const FrontierPoint& f = p.point;
    std::optional<TrainingAdvice> advice;
    if (p.architecture.params > 0)
        advice = adviseTrainingFor(p.architecture.arch, p.architecture.tokens, hparams ? &*hparams : nullptr,
                                   preset);
    p.training = advice; // with the --hparams preset asked for, not the window's default
    if (args.has("json")) {
        Json j = predictionJson(p);
        Json plan = planJson(o.plan);
        plan.set("loss_floor", o.frontier.lossFloor ? Json(*o.frontier.lossFloor) : Json());
        j.set("plan", plan);
        out << j.dump() << "\n";
        return 0;
    }
    char buf[400];
    const auto& undetermined = p.design.undetermined;
    // An undetermined quantity prints as "—"; its reason follows on a line of its own.
    // `format` prints the value; a band adds " [lo, hi]" in the same format, or "(no interval)".
    auto shown = [&](const char* key, const char* format, const Band& b, bool band) {
        if (undetermined.count(key)) return std::string("—");
        return band ? bandText(b, format, " (no interval)") : numberText(b.value, format);
    };
    out << "C = " << numberText(req.budget)
        << ", S = " << (std::isfinite(f.sparsity) ? numberText(f.sparsity, "%.4g") : std::string("—"))
        << " by " << (f.method == "none" ? std::string("no method") : f.method) << ": N* "
        << shown("n_star", "%.4g", f.params, true) << ", N_a* "
        << shown("active_params_star", "%.4g", f.activeParams, false) << ", D* "
        << shown("tokens_star", "%.4g", f.tokens, false) << " tokens";
    if (!undetermined.count("n_star") && !undetermined.count("tokens_star"))
        out << " (" << numberText(f.tokens.value / f.params.value, "%.1f") << " per parameter)";
    out << ", L* " << shown("loss_star", "%.4f", f.loss, true) << "\n";
    std::string said;
    for (const auto& [key, why] : undetermined)
        if (key != "sparsity_star" && said.find(why) == std::string::npos) {
            out << "  undetermined (" << key << "): " << why << "\n";
            said += why + "\n";
        }
    out << "  method: " << p.recommendation.why << "\n";
    if (advice)
        out << "  train with: lr " << numberText(advice->lr, "%.3g") << ", batch " << advice->batchSequences
            << " × " << p.architecture.arch.ctx << " tokens, warm-up " << advice->warmupSteps << " steps ("
            << advice->source << ")\n";
    if (p.extrapolationDecades > 0) {
        std::snprintf(buf, sizeof buf, "  extrapolated %.2f decade(s) past the largest budget swept (%.3g)\n",
                      p.extrapolationDecades, p.largestBudget);
        out << buf;
    }
    if (std::isfinite(p.computeMultiplier)) {
        std::snprintf(buf, sizeof buf, "  worth %.2f× the compute of the dense optimum at the same loss\n",
                      p.computeMultiplier);
        out << buf;
    }
    if (p.architecture.params > 0) {
        const auto& a = p.architecture.arch;
        std::snprintf(buf, sizeof buf, "  nearest model: d_model %g, %g layers, E %g, K %g (N %.4g)\n",
                      a.d_model, a.n_layers, a.experts, a.active_experts, p.architecture.params);
        out << buf;
    }
    return 0;
}

int backtestCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    const CliArgs args(rawArgs, extrapolationSpecs({{"laws"}}));
    if (args.positionals().size() != 1) throw UsageError("backtest: expected one FILE");
    if (args.has("law"))
        throw UsageError("option --law: backtest compares every method; choose them with --laws");
    if (args.has("holdout"))
        throw UsageError("option --holdout: backtest holds out what --train does not select");
    ExtrapolationOptions o = extrapolationOptionsFromArgs(args);
    o.plan.holdout = "auto";
    const std::string laws = args.value("laws", "all");
    if (laws != "all") {
        std::stringstream in(laws);
        std::string m;
        while (std::getline(in, m, ','))
            if (!m.empty()) {
                if (m != "isoflop" && !makeLaw(m))
                    throw UsageError("option --laws: unknown method '" + m + "' (isoflop or a law id)");
                o.methods.push_back(m);
            }
    }
    RunTable table;
    int code = 0;
    if (!loadPlannedRuns(args.positionals()[0], args, o.plan, table, err, code)) return code;
    BacktestResult r;
    try {
        r = backtest(table, args.value("train"), o);
    } catch (const std::invalid_argument& e) {
        err << args.positionals()[0] << ": " << e.what() << "\n";
        return 2;
    }
    for (const auto& [m, why] : r.problems)
        err << args.positionals()[0] << ": " << m << " not fitted: " << why << "\n";
    if (args.has("json")) {
        Json j = Json::object();
        j.set("train", r.train);
        j.set("method", r.recommendation.method);
        j.set("method_why", r.recommendation.why);
        j.set("inner_backtest", errorsJson(r.recommendation.innerError));
        Json rows = Json::array();
        for (const auto& row : r.frontier) {
            Json e = Json::object();
            e.set("budget", row.budget);
            e.set("sparsity", row.sparsity);
            e.set("method", row.method);
            Json pred = Json::object();
            pred.set("loss_star", row.predicted.loss.value);
            pred.set("loss_star_ci95", bandPair(row.predicted.loss));
            pred.set("n_star", row.predicted.params.value);
            pred.set("n_star_ci95", bandPair(row.predicted.params));
            e.set("predicted", pred);
            Json obs = Json::object();
            obs.set("loss_star", row.observedLoss);
            obs.set("n_star", row.observedParams);
            obs.set("interior", row.observed);
            if (!row.observedProblem.empty()) obs.set("problem", row.observedProblem);
            e.set("observed", obs);
            Json error = Json::object();
            error.set("loss_star", row.lossError);
            error.set("n_star_rel", row.paramsRelError);
            e.set("error", error);
            if (row.observed) {
                Json held = Json::object();
                held.set("loss_star", row.lossHeld);
                held.set("n_star", row.paramsHeld);
                e.set("held", held);
            }
            rows.push(e);
        }
        j.set("frontier", rows);
        j.set("methods", errorsJson(r.methodLossError));
        Json laws = Json::array();
        for (const auto& l : r.laws) {
            Json e = Json::object();
            e.set("law", l.law);
            e.set("train_n", l.trainN);
            e.set("heldout_n", l.heldoutN);
            e.set("train_rmse", l.trainRmse);
            e.set("heldout_rmse", l.heldoutRmse);
            e.set("heldout_max_abs", l.heldoutMaxAbs);
            if (!l.problem.empty()) e.set("problem", l.problem);
            laws.push(e);
        }
        j.set("laws", laws);
        Json verdict = Json::object();
        verdict.set("tolerance", r.tolerance);
        verdict.set("n_tolerance", r.nTolerance);
        verdict.set("pass", r.pass);
        verdict.set("loss_star_pass", r.lossPass);
        verdict.set("n_star_pass", r.paramsPass);
        verdict.set("why", r.verdict);
        j.set("verdict", verdict);
        j.set("plan", planJson(o.plan));
        out << j.dump() << "\n";
        return 0;
    }
    out << "trained on " << r.train << "; recommended " << r.recommendation.method << ": "
        << r.recommendation.why << "\n";
    char buf[300];
    for (const auto& row : r.frontier) {
        std::snprintf(
            buf, sizeof buf,
            "  C %.3g S %.4g: L* predicted %.4f [%.4f, %.4f], observed %.4f (error %+.4f)%s; N* %.4g vs "
            "%.4g (%+.0f%%)%s\n",
            row.budget, row.sparsity, row.predicted.loss.value, row.predicted.loss.lo, row.predicted.loss.hi,
            row.observedLoss, row.lossError, row.observed && !row.lossHeld ? " MISSED" : "",
            row.predicted.params.value, row.observedParams, 100 * row.paramsRelError,
            row.observed && !row.paramsHeld ? " MISSED" : "");
        out << buf;
        if (!row.observedProblem.empty()) out << "    (" << row.observedProblem << ")\n";
    }
    for (const auto& l : r.laws) {
        std::snprintf(buf, sizeof buf,
                      "  %-13s train RMSE %.4f (n=%d), held-out RMSE %.4f, max |error| %.4f (n=%d)\n",
                      l.law.c_str(), l.trainRmse, l.trainN, l.heldoutRmse, l.heldoutMaxAbs, l.heldoutN);
        out << buf;
    }
    out << (r.pass ? "PASS: " : "FAIL: ") << r.verdict << "\n";
    return 0;
}

} // namespace moescope::cli
