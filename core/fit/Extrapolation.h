#pragma once
// Prediction past the data, shared by `moescope-cli predict`, `optimum --law isoflop`, the backtest
// (core/fit/Backtest.h) and the window. Every applicable method (the isoFLOP frontier and each parametric
// law with a token term) is fitted on the same runs; the one recommended is chosen by a nested backtest on
// those runs alone (fit on all but their largest budget, predict its L*), so a backtest's held-out runs
// never choose the method that is judged on them.
#include "core/fit/Analysis.h"
#include "core/fit/Frontier.h"
#include "core/fit/Planner.h"
#include "core/fit/SweepDesign.h"

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moescope {

struct ExtrapolationOptions {
    // Run selection (where, group), the laws' fit settings and the isoFLOP settings; its `law` and `holdout`
    // are not used: every applicable law is fitted, on all the runs it is given.
    AnalysisPlan plan;
    // Methods to consider: "isoflop" and law ids; empty: all that apply.
    std::vector<std::string> methods;
    FrontierFitOptions frontier; // loss floor; flopsPerToken is read off the runs
    double tolerance = 0.01;     // nats of L* a backtest may miss by
    double nTolerance = 0.30;    // relative error of N* a backtest may make (or the observed N* in its band)
};

// The methods fitted on one set of runs.
struct FittedMethods {
    std::vector<std::shared_ptr<const FrontierMethod>> methods;
    std::map<std::string, std::string> problems; // method → why it could not be fitted
    SweepAnalysis sweep;                         // the isoFLOP analysis of those runs
    std::map<std::string, LawFit> lawFits;       // each law's fit (also those without a frontier)
    double largestBudget = 0;
    const FrontierMethod* find(const std::string& name) const;
};
// Throws Cancelled when the plan's flag is set. `sweep`, when given, is the runs' isoFLOP analysis already
// made (with the plan's isoFLOP options), which the isoFLOP frontier then uses instead of analysing again.
FittedMethods fitMethods(const RunTable& runs, const ExtrapolationOptions& options,
                         const SweepAnalysis* sweep = nullptr);

// One prediction of a rolling-origin backtest: how far past its training budgets, and how far off.
struct TrackPoint {
    double decades = 0, lossError = 0, paramsError = 0; // |L* error| in nats; |log10(N* / observed)|
    // The observed optimum's own standard error (its 95 % half-width / 1.96; 0 when it has no interval):
    // the part of each error that was the observation's, not the prediction's.
    double lossNoise = 0, paramsNoise = 0;
};

struct Recommendation {
    std::string method;
    std::string why;
    std::map<std::string, double> innerError; // mean |L* error| per method over its track record
    // Every method's record: fit on the first k budgets (k = 2 … B−1), predict each later one.
    std::map<std::string, std::vector<TrackPoint>> record;
    double innerBudget = 0; // the largest budget the backtests predicted (0: none)
};
// Why a law's fit is not to be trusted, or empty: its solver did not converge, a size or data exponent has
// the wrong sign (alpha, beta ≤ 0), an exponent is implausibly large (|x| > 5), or a bootstrap interval
// collapsed to a point. Such a fit is never recommended.
std::string untrustworthyFit(const LawFit& fit);

// Which method to trust for `runs` (those `fitted` was fitted on): rolling-origin backtests on them, the
// method with the lowest mean |L* error| over its record.
Recommendation recommendMethod(const RunTable& runs, const FittedMethods& fitted,
                               const ExtrapolationOptions& options);

struct PredictRequest {
    double budget = 0;
    std::optional<double> sparsity; // the best swept level when empty
    std::string method = "auto";    // auto: the recommended one
    double maxParams = std::numeric_limits<double>::infinity();
};

struct Prediction {
    FrontierPoint point;
    Recommendation recommendation; // why this method
    double extrapolationDecades = 0;
    double largestBudget = 0;
    double computeMultiplier = std::nan(""); // dense compute for the same loss ÷ C (NaN: not defined)
    PlannedConfig architecture;              // the nearest concrete model of the runs' family
    // How to train that model (learning rate, batch, warm-up): from the runs' learning-rate law where it is
    // determined, else the default preset — what `predict --json` adds to its architecture.
    std::optional<TrainingAdvice> training;
    std::vector<std::string> warnings;
    // What the runs' design can determine: a quantity it cannot is written as null with its reason, and the
    // prediction's distance past the swept N, N_a, D, S and C along every axis.
    SweepDesign design;
};
// A method's interval is at least as wide as the errors its backtest made at that distance: past the sweep,
// each band is widened (in quadrature) by the inner backtest's L* and N* errors scaled to the prediction's
// distance (zero inside the sweep, the error itself at the backtest's own distance, growing linearly past
// it).
void widenByTrackRecord(Prediction& prediction, const Recommendation& recommendation);

// What predict adds to a method's answer: the design's undetermined quantities and warnings, and the fit's
// reasons for distrust.
void annotateWithDesign(Prediction& prediction, const SweepDesign& design);

// The answer of an analysis snapshot at a budget, exactly as `predict` gives it for the same runs: the
// recommended frontier, widened by its track record, annotated with the design. std::invalid_argument when
// the snapshot recommends no method or the method cannot answer there.
Prediction predictFromSnapshot(const AnalysisSnapshot& snapshot, const PredictRequest& request);
// Why no method answers: each method's problem, and each fitted law that is not to be trusted.
std::string noMethodWhy(const FittedMethods& fitted);
// The answer when no method answers and the design cannot place the optimum: every quantity undetermined
// with the design's reason (never a number).
Prediction undeterminedAnswer(const SweepDesign& design, const PredictRequest& request, double largestBudget,
                              const std::string& why);

// Throws std::invalid_argument naming the option for a request that cannot be answered, Cancelled.
Prediction predictOptimum(const RunTable& runs, const ExtrapolationOptions& options,
                          const PredictRequest& request);

// The optimum from a table of optima (one row per budget: budget, optionally N* / N_a*, L*; OptimaFrontier):
// the runs as the plan selects them are the table. Throws std::invalid_argument as predictOptimum does.
Prediction predictFromOptima(const RunTable& table, const ExtrapolationOptions& options,
                             const PredictRequest& request);

// The prediction as `moescope-cli predict --json` prints it (without the plan): budget, sparsity, method,
// n_star with its interval, tokens, loss, architecture, extrapolation, compute multiplier, warnings.
Json predictionJson(const Prediction& prediction);

// The optimum one fitted method predicts (the best of its sparsity levels unless the request names one), with
// its warnings, compute multiplier and nearest architecture; `runs` are those it was fitted on. Throws
// std::invalid_argument as predictOptimum does.
Prediction predictWith(const FrontierMethod& method, const RunTable& runs, double largestBudget,
                       const PredictRequest& request);

// The runs' budget levels, ascending (groupByBudget's).
std::vector<double> budgetLevels(const RunTable& runs);
// The runs as `plan` selects them (where, group); std::invalid_argument with the reason.
RunTable plannedRuns(const RunTable& runs, const AnalysisPlan& plan);
// `runs` with every run whose keep[i] differs from `value` excluded.
RunTable runsWhere(const RunTable& runs, const std::vector<bool>& keep, bool value);

// The architecture family the runs were drawn from (median aspect, vocab, ctx, K, granularity).
ArchitectureFamily familyOf(const RunTable& runs);

} // namespace moescope
