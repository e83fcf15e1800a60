#pragma once
// Li et al. 2026's expert/attention allocation law: r*(C, S) = α_r(S)·C^β_r(S) with
// α_r(S) = α0·(1−S)^α1 and β_r(S) = β0·(1−S)^β1, C the total training FLOPs (ARCHITECTURE.md §4's reading).
#include "core/model/Run.h"

#include <string>
#include <vector>

namespace moescope {

struct AllocationLaw {
    double alpha0 = 6.7e-5, alpha1 = -1.23, beta0 = 0.24, beta1 = 0.21; // published
    double operator()(double flops, double sparsity) const;
};

struct AllocationFit {
    AllocationLaw law;
    struct Level {
        double sparsity;
        std::vector<std::pair<double, double>> optima; // (C, r*) per budget
        double alpha, beta;                            // r* = alpha·C^beta at this level
    };
    std::vector<Level> levels;
    std::vector<std::string> skipped; // (budget, sparsity) groups without an interior optimum, with why
};

// From runs that carry r (computed from d_model, ctx, K, G by core/model): per (budget, sparsity) the vertex
// of a parabola of loss in log r, then a power law in C per sparsity, then α_r(S), β_r(S) across levels.
// Throws std::invalid_argument when fewer than two sparsity levels with two budgets each remain.
AllocationFit fitAllocationLaw(const RunTable& table);
// r of a run from its architecture; NaN when d_model is missing.
double runRatio(const Run& run);

} // namespace moescope
