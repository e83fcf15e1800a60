#pragma once
// The isoFLOP analysis of Abnar et al. §2–3, App. B and D for a sweep: per budget, the Eq. 8 surface with
// cross-validated degrees, held-out quality, bootstrap bands, S*(N), N*(S), N_a*(S), L*(S), the joint
// optimum and the threshold N_th; across budgets, power laws N*(C), N_a*(C), L*(C) per sparsity.
#include "core/fit/Cancel.h"
#include "core/fit/IsoflopSurface.h"
#include "core/fit/Statistics.h"
#include "core/model/Run.h"

#include <map>
#include <optional>

namespace moescope {

struct IsoflopOptions {
    std::optional<Degrees> degrees; // fixed degrees; CV search over {0..maxDegree}³ when empty
    int maxDegree = 4;
    int folds = 5;
    int bootstrap = 100; // refits on random subsamples (paper: k = 100)
    double subsampleFraction = 0.8;
    double holdoutFraction = 0.2; // random held-out split for Pearson/MSE
    bool leaveOneSparsityOut = false;
    unsigned seed = 42;
    int gridPoints = 40; // N grid for S*(N)
    // Replicates locate N*(S) per level only (what frontier laws carry across budgets): the joint optimum and
    // S*(N) keep their estimate but claim no band. For predict and backtest, which need nothing else.
    bool nStarBandsOnly = false;
    int threads = 0;                    // 0: all cores
    const CancelFlag* cancel = nullptr; // set: the analysis throws Cancelled between bootstrap replicates
};

struct Band {
    double value = 0, lo = 0, hi = 0; // estimate and 95 % bootstrap interval
};

struct SStarPoint {
    double params;
    Band sparsity;
    Band loss;
};

struct NStarPoint {
    double sparsity;
    Band params;
    Band activeParams; // NaN value when the runs carry no active_params
    Band loss;
    // N*(S) sits on the smallest or largest model swept: the minimum may lie beyond, so frontier laws leave
    // this budget out at this sparsity.
    bool edge = false;
    // The residual degrees of freedom of the curve these were read from: the bands are t intervals on them
    // (few runs leave a bootstrap's spread an estimate of its own), so a standard error is a half-width
    // over t, not over 1.96.
    int dof = 0;
    // Each bootstrap replicate's N*, N_a*, L* at this sparsity, in replicate order (frontier laws carry them
    // across budgets).
    std::vector<double> paramsSamples, activeSamples, lossSamples;
};

struct HeldOut {
    int n = 0;
    double pearson = 0, mse = 0;
};

struct BudgetAnalysis {
    double budget = 0;
    int n = 0;
    Degrees degrees;
    double cvMse = 0;
    int degreeCandidates = 0;
    double mse = 0, pearson = 0; // in-sample
    HeldOut heldout;             // random split
    std::optional<HeldOut> leaveOneSparsityOut;
    IsoflopSurface surface;                      // over N
    std::optional<IsoflopSurface> activeSurface; // over N_a
    struct {
        Band params, sparsity, activeParams, loss;
        // The optimum sits on the data's edge (the smallest or largest model, the largest sparsity): the true
        // one may lie beyond, so no interval is claimed (the bands' lo/hi are NaN) and `edgeWhy` says where.
        bool edge = false;
        std::string edgeWhy;
    } optimum;
    std::vector<SStarPoint> sStar;
    std::vector<NStarPoint> nStar;
    std::optional<double> nThreshold; // N above which S* sits at the largest swept sparsity
    std::vector<IsoflopPoint> points;
    std::vector<double> activeParams; // per point, NaN when unknown
    // Each sparsity level's own curve L(N), parallel to nStar, where the level has the sizes for one (five):
    // its N*(S) and L*(S) are read from it rather than from the surface, which shares one shape in N across
    // levels and biased them. Null at levels read from the surface.
    std::vector<std::optional<IsoflopSurface>> levelCurves;
    // The bootstrap refits themselves, so any slice of the surface can carry its 95 % band; a level's own
    // curve has its refits in levelReplicates.
    std::vector<PolynomialFit> replicates, activeReplicates;
    std::vector<std::vector<PolynomialFit>> levelReplicates;
    // Each refit's joint optimum (log N, S): where the bootstrap places the optimum.
    std::vector<std::pair<double, double>> replicateOptima;
    // The replicates refit on subsamples of m of the n runs, which spread less than the sampling error of a
    // fit on all n: deviations from the estimate scaled by sqrt(m / (n − m)) have the right spread.
    double replicateScale = 1;
};

// The 95 % bootstrap band of the surface (or its N_a variant) at (params, sparsity); at a level with its
// own curve (and over N), that curve's.
Band surfaceBand(const BudgetAnalysis& a, double params, double sparsity, bool overActive = false);
// What L(N) at `sparsity` is read from: the level's own curve where it has one, else the surface.
const IsoflopSurface& curveAt(const BudgetAnalysis& a, double sparsity);

struct SparsityTrend {
    double sparsity;
    PowerLaw nStar, activeStar, lossStar; // ∝ C^exponent across budgets
};

struct SweepAnalysis {
    std::vector<BudgetAnalysis> budgets;                // ascending C
    std::vector<SparsityTrend> trends;                  // per swept sparsity level
    PowerLaw optimumParams, optimumActive, optimumLoss; // the joint optimum across C
    std::vector<std::string> skipped;                   // budgets left out, with the reason
};

// Runs → points of one budget (excluded runs and runs without loss/params are left out).
using BudgetGroups = std::map<double, std::vector<const Run*>>;
BudgetGroups groupByBudget(const RunTable& table);
// The budget level nearest to `c` (in log C) when within 5 % of it; null when the runs have no such level.
const BudgetGroups::value_type* nearestBudget(const BudgetGroups& groups, double c);

BudgetAnalysis analyzeBudget(const std::vector<IsoflopPoint>& points, const std::vector<double>& activeParams,
                             double budget, const IsoflopOptions& options);
BudgetAnalysis analyzeBudget(const std::vector<const Run*>& runs, double budget,
                             const IsoflopOptions& options);
SweepAnalysis analyzeSweep(const RunTable& table, const IsoflopOptions& options);

} // namespace moescope
