#pragma once
// Compute-frontier laws: how the compute-optimal model moves with the budget C, so that the optimum can be
// predicted at budgets nobody ran. Two kinds of method answer, behind one interface:
// - the isoFLOP frontier, fitted per sparsity across budgets to each budget's isoFLOP optimum (weighted by
//   its bootstrap spread): N*(C) = k·C^a, N_a*(C) and D*(C) alike, and L*(C) = E + A·C^−α with an
//   irreducible term E (fixed by the user, or fitted when four or more budgets can identify it);
// - a parametric law's own frontier: the fitted law minimised over N at each C (D = C/(k·N_a)).
// Both carry bands: each bootstrap replicate is carried through the same fit and read at C.
#include "core/fit/ActiveCount.h"
#include "core/fit/IsoflopAnalysis.h"
#include "core/fit/LawFitter.h"

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moescope {

struct FrontierError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// y = exp(logK)·C^exponent.
struct PowerTrend {
    double logK = std::nan(""), exponent = std::nan("");
    double operator()(double c) const { return std::exp(logK + exponent * std::log(c)); }
    bool valid() const { return std::isfinite(logK) && std::isfinite(exponent); }
};

// L = floor + exp(logA)·C^−alpha.
struct LossTrend {
    double floor = std::nan(""), logA = std::nan(""), alpha = std::nan("");
    double operator()(double c) const { return floor + std::exp(logA - alpha * std::log(c)); }
    bool valid() const { return std::isfinite(floor) && std::isfinite(logA) && std::isfinite(alpha); }
};

struct FrontierCoefficients {
    PowerTrend params, active, tokens;
    LossTrend loss;
};

struct FrontierFitOptions {
    // L*(C)'s irreducible term E, fixed (Marin pins it); fitted when empty.
    std::optional<double> lossFloor;
    double flopsPerToken = 6; // C = k·N_a·D
};

// The scatter of points about a fitted trend in x = ln C (core/fit/FrontierTrends.h fits and uses it).
struct TrendScatter {
    int n = 0, parameters = 2;
    double s = std::nan(""); // residual standard deviation on n − parameters degrees of freedom
    double xMean = 0, sxx = 0;
    // t·s·sqrt(1 + 1/n + (x − x̄)²/Sxx): the half-width of a 95 % prediction interval at x; NaN when the fit
    // leaves no degree of freedom to measure the scatter with.
    double halfWidth(double x) const;
};

// The isoFLOP frontier at one sparsity level.
struct SparsityFrontier {
    double sparsity = 0;
    std::vector<double> budgets;                  // whose optimum entered the fit
    std::vector<std::string> leftOut;             // budgets that did not, with the reason
    FrontierCoefficients fit;                     // the estimate
    std::vector<FrontierCoefficients> replicates; // one per bootstrap replicate of the budgets' optima
    bool floorFitted = false;                     // E fitted (else fixed by the user or 0)
    std::vector<std::string> warnings;            // E not identifiable, few budgets, …
    // The scatter of the budgets' optima about the trends (N* in log, N_a* in log, L* in nats): prediction
    // intervals add it to the replicates' spread.
    TrendScatter paramsScatter, activeScatter, lossScatter;
    // Percentile intervals of the coefficients over the replicates (recentred on the estimate).
    std::pair<double, double> paramsPrefactorCi{NAN, NAN}, paramsExponentCi{NAN, NAN};
    std::pair<double, double> floorCi{NAN, NAN}, alphaCi{NAN, NAN};
};

// The optimum one method predicts at (C, S), with 95 % bands.
struct FrontierPoint {
    std::string method;
    double budget = 0, sparsity = 0;
    Band params, activeParams, tokens, loss;
    std::vector<std::string> warnings;
};

class FrontierMethod {
public:
    virtual ~FrontierMethod() = default;
    virtual std::string name() const = 0; // "isoflop" or a law id
    // The sparsity levels it answers at (the swept ones).
    virtual std::vector<double> sparsities() const = 0;
    // The optimum at (budget, sparsity) with N ≤ maxParams; FrontierError saying why it cannot answer.
    virtual FrontierPoint at(double budget, double sparsity,
                             double maxParams = std::numeric_limits<double>::infinity()) const = 0;
    // The point estimate of L* alone (no bands): what searches over C call many times.
    virtual double lossAt(double budget, double sparsity) const { return at(budget, sparsity).loss.value; }
    // Warnings that hold whatever the budget (the fit's own).
    virtual std::vector<std::string> warnings() const = 0;
};

class IsoflopFrontier final : public FrontierMethod {
public:
    // FrontierError when no sparsity level has two budgets with an interior optimum.
    IsoflopFrontier(const SweepAnalysis& sweep, const FrontierFitOptions& options);
    std::string name() const override { return "isoflop"; }
    std::vector<double> sparsities() const override;
    FrontierPoint at(double budget, double sparsity, double maxParams) const override;
    std::vector<std::string> warnings() const override;
    const std::vector<SparsityFrontier>& levels() const { return levels_; }

private:
    const SparsityFrontier& level(double sparsity) const;
    std::vector<SparsityFrontier> levels_;
};

class LawFrontier final : public FrontierMethod {
public:
    // `runs`: the runs the law was fitted on (their sparsity levels, active counts, experts, granularity and
    // expert/attention ratio describe the family the frontier moves along). FrontierError when the law has
    // no token term or the runs carry no active counts at a sparse level.
    LawFrontier(std::shared_ptr<const ParametricLaw> law, LawFit fit, const RunTable& runs,
                double flopsPerToken);
    std::string name() const override { return law_->id(); }
    std::vector<double> sparsities() const override;
    FrontierPoint at(double budget, double sparsity, double maxParams) const override;
    double lossAt(double budget, double sparsity) const override;
    // The law's loss for the model with N parameters at (C, S), with the 95 % band of its bootstrap refits:
    // the slices of the predicted surface at a budget nobody ran.
    Band lossOf(double params, double sparsity, double budget) const;
    // The estimate alone at any sparsity between the levels (the runs' level nearest S describes the rest of
    // the model): the predicted surface.
    double lossValue(double params, double sparsity, double budget) const;
    std::vector<std::string> warnings() const override { return fit_.warnings; }
    const LawFit& fit() const { return fit_; }

private:
    struct Level {
        double sparsity = 0, experts = 1, granularity = 1, r = 0;
    };
    // argmin over log N of the law with parameters p; `edge` set when it sits on the search range's end.
    double argminLogN(const std::vector<double>& p, const Level& level, double budget, double maxParams,
                      bool& edge) const;
    LawPoint pointAt(double params, const Level& level, double budget) const;
    const Level& level(double sparsity) const; // FrontierError when the runs have no such level

    std::shared_ptr<const ParametricLaw> law_;
    LawFit fit_;
    std::vector<Level> levels_;
    ActiveCount active_;
    double flopsPerToken_ = 6;
};

// The runs' own C/(N_a·D) (median), 6 when they state no tokens: the convention D is counted in.
double flopsPerToken(const RunTable& runs);

// The budget C' at which `method`'s dense (S = 0) frontier reaches `loss`: NaN when it has no dense level or
// never reaches it. A sparse optimum's compute multiplier is C'/C.
double denseComputeFor(const FrontierMethod& method, double loss, double budgetHint);

// The compute multiplier C_dense/C of `method`'s optimum at `sparsity` over [cLo, cHi] (log-spaced points,
// NaN where undefined): what "an MoE is worth k× compute" means along the frontier.
std::vector<std::pair<double, double>> computeMultiplierCurve(const FrontierMethod& method, double sparsity,
                                                              double cLo, double cHi, int points);

} // namespace moescope
