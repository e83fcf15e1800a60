#pragma once
// What a sweep's design can determine, read off the runs before any fit (issue #28, point 4): how many
// levels each axis takes (N, N_a, D, S, C), how collinear the axes are in log space, whether the losses vary
// and whether the budgets agree with 6·N_a·D. A quantity the design cannot determine is named with the
// reason — "N* undetermined: total parameters take one value" — and every face reports it as such, never as
// a number a fit happened to return.
#include "core/model/Run.h"

#include <map>
#include <string>
#include <vector>

namespace moescope {

struct DesignAxis {
    int levels = 0; // distinct values among the included runs that carry it (0: none does)
    double min = 0, max = 0;
    // Decades (log10) by which `value` lies past [min, max]; 0 inside. For S: how far, in −log10(1−S).
    double decadesPast(double value) const;
};

struct SweepDesign {
    DesignAxis params, active, tokens, sparsity, budget;
    // The largest |Pearson r| between ln N, ln N_a and ln D over the runs, and the pair it is between.
    double maxCorrelation = 0;
    std::string correlatedPair;
    bool lossVaries = true;
    int budgetChecked = 0, budgetMismatched = 0; // runs whose stated C and 6·N_a·D both exist / disagree
    std::string budgetExample;                   // the worst mismatch, for the message
    std::string budgetProblem; // what the mismatch means (a refusal when most runs disagree), or empty
    // The design cannot be fitted at all (no loss variation; most budgets contradict 6·N_a·D).
    std::vector<std::string> refusals;
    std::vector<std::string> warnings;
    // Quantity ("n_star", "active_params_star", "tokens_star", "sparsity_star", "loss_star") → why the design
    // cannot determine it.
    std::map<std::string, std::string> undetermined;
    bool determines(const std::string& quantity) const { return !undetermined.count(quantity); }
};

struct DesignOptions {
    double collinear = 0.99;  // |r| beyond which two axes' effects cannot be told apart
    double budgetFactor = 3;  // C and 6·N_a·D may differ by this factor (D counted in any convention)
    double flopsPerToken = 6; // C = k·N_a·D
};

SweepDesign analyzeDesign(const RunTable& runs, const DesignOptions& options = {});

} // namespace moescope
