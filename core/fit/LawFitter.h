#pragma once
// The fitting recipe of ARCHITECTURE.md §4: L-BFGS (ceres::GradientProblemSolver) from every start of a grid,
// best objective wins; bootstrap intervals; a held-out filter reported separately. Starts are spread over
// threads and the winner is chosen by (objective, start index), so results do not depend on thread count.
#include "core/fit/Cancel.h"
#include "core/fit/ParametricLaw.h"
#include "core/io/Json.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moescope {

struct LawFitOptions {
    enum class Starts { Full, Fast, Random };
    Starts starts = Starts::Full;
    int randomStarts = 0;
    int bootstrap = 0;
    unsigned seed = 42;
    int threads = 0; // 0: all cores
    int maxIterations = 200;
    double huberDelta = kHuberDelta;
    // Laws linear in their coefficients once the exponents are fixed can descend over the exponents alone,
    // the coefficients solved for at every step (VariableProjection.h); the starts are then the grid's
    // distinct exponents. Grid: so for the full grid (437,400 Abnar starts become 5,400), where it wins ten
    // times over; the 65 fast starts descend over every parameter, which is twice as fast there (each
    // projected step solves the coefficients anew). Always / Never: whatever the starts.
    enum class Projection { Grid, Always, Never };
    Projection projection = Projection::Grid;
    const CancelFlag* cancel = nullptr; // set: the fit throws Cancelled at its next iteration
};

// How the winning start's L-BFGS run ended, from Ceres' summary.
struct Termination {
    std::string type; // CONVERGENCE, NO_CONVERGENCE (iteration limit), FAILURE, USER_FAILURE ...
    bool converged = false;
    int iterations = 0;
    std::string message; // Ceres' own words
};

struct FitMetrics {
    int n = 0;
    double mse = 0, rmse = 0, r2 = 0; // on the loss itself
};

struct LawFit {
    std::string law;
    std::vector<double> parameters;                        // internal
    std::vector<std::pair<std::string, double>> reported;  // as papers print them
    std::map<std::string, std::pair<double, double>> ci95; // per reported name
    std::vector<std::vector<double>> replicates;           // internal parameters of each bootstrap refit
    double objective = 0;
    FitMetrics metrics;
    std::optional<FitMetrics> heldout;
    int starts = 0;
    Termination termination; // of the start that won
    double seconds = 0;
    // Reasons to doubt the fit (identifiability): the solver stopped short, a parameter never left its start,
    // fewer than 5 points per parameter, a bootstrap interval of zero width.
    std::vector<std::string> warnings;
};

// The start points a mode produces. Fast: the published preset plus the 64 first points of a Halton
// sequence over the grid's bounding box — 65 starts instead of thousands, the preset anchoring the basin
// real data live in and the Halton points covering the box evenly.
std::vector<std::vector<double>> startPoints(const ParametricLaw& law, const LawFitOptions& options);

// One L-BFGS descent from `p` (updated in place). The objective is inf when the start is infeasible.
struct Descent {
    double objective = 0;
    Termination termination;
};
Descent descend(const ceres::FirstOrderFunction& objective, std::vector<double>& p, int maxIterations,
                const CancelFlag* cancel = nullptr);

LawFit fitLaw(const ParametricLaw& law, const std::vector<LawPoint>& train,
              const std::vector<LawPoint>& heldout, const LawFitOptions& options);

// The parametric-fit object of ARCHITECTURE.md §5: law, params, ci95, objective, metrics (with heldout),
// starts, seconds.
Json lawFitJson(const LawFit& fit);

// A refit from a nearby solution (a bootstrap replicate, a leave-one-out fit): one descent from `p`, then the
// law's own refinement. Returns the objective (inf when the start is infeasible); `p` is updated.
double refit(const ParametricLaw& law, const std::vector<LawPoint>& points, std::vector<double>& p,
             const LawFitOptions& options);

FitMetrics metricsOf(const ParametricLaw& law, const std::vector<double>& p,
                     const std::vector<LawPoint>& points);

} // namespace moescope
