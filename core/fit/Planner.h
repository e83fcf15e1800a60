#pragma once
// The compute-optimal planner (ARCHITECTURE.md §4): for a law (fitted or preset) and a budget C, the (N, S,
// D) that minimises predicted loss with D = C/(6·N_a), under optional caps on N and S, over an architecture
// family; then the nearest concrete architecture (d a multiple of 64, integer E and K, n_heads = d/64).
#include "core/fit/ParametricLaw.h"
#include "core/model/Accounting.h"

#include <limits>

namespace moescope {

struct ArchitectureFamily {
    double aspect = 128; // d_model / n_layers
    double vocab = 32000;
    double ctx = 2048;
    double granularity = 1;
    int activeExperts = 1; // K; sparsity is reached through E = K/(1−S)
    // d_model's step below 512 (64 above): the sweep planner's 8 lets calibration sweeps on a CPU reach
    // models of ~10⁴–10⁵ parameters, where a step of 64 would leave one or two sizes per decade.
    double smallWidthStep = 64;
};

struct PlanOptions {
    double budget = 0;
    double maxParams = std::numeric_limits<double>::infinity();
    double maxSparsity = 0.99;
    // For a law without a sparsity or expert term (the plan cannot choose E): the experts planned; 0: K.
    double experts = 0;
    ArchitectureFamily family;
};

struct PlannedConfig {
    Architecture arch;
    int heads = 0;
    double params = 0, activeParams = 0, sparsity = 0, tokens = 0, flops = 0, ratio = 0, predictedLoss = 0;
};

struct Plan {
    // The continuous optimum over (d, S) of the family.
    double params = 0, activeParams = 0, sparsity = 0, tokens = 0, loss = 0;
    PlannedConfig concrete;
    bool sparsityMatters = true; // false for laws without an S or E term: planned at PlanOptions::experts
    // Why the plan is not a model anyone would train (an optimum on the family's edge, one layer, fewer
    // tokens than active parameters, an implausible loss); empty when it is.
    std::vector<std::string> problems;
};

// The whole number of experts E = K/(1−S) closest to a sparsity, at least K.
double expertsFor(double sparsity, const ArchitectureFamily& family);
// The family's model at a (possibly fractional) d with E experts, spending `budget`: everything but its
// predicted loss (NaN).
PlannedConfig familyConfig(double dModel, double experts, double budget, const ArchitectureFamily& family);
// The config the family gives for a (possibly fractional) d and sparsity, spending `budget`.
PlannedConfig configFor(const ParametricLaw& law, const std::vector<double>& p, double dModel, double experts,
                        const PlanOptions& o);
// The concrete model of the family nearest N total parameters at sparsity S (d on the family's width
// ladder, E the nearest whole number to K/(1−S)), spending `budget`; no law involved, so predictedLoss is
// NaN.
PlannedConfig architectureFor(double params, double sparsity, double budget,
                              const ArchitectureFamily& family);
// std::invalid_argument saying why when the law has no token term (it cannot trade N against D).
void requireTokenTerm(const ParametricLaw& law);
// Throws std::invalid_argument naming the option when nothing fits the caps, or saying why the law cannot
// plan at all (no token term).
Plan planOptimum(const ParametricLaw& law, const std::vector<double>& p, const PlanOptions& o);

} // namespace moescope
