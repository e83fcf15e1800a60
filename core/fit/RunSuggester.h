#pragma once
// "Where would the next run teach the most?" — from an isoFLOP fit and its bootstrap, K concrete configs at a
// budget that most reduce the uncertainty of the predicted optimum.
//
// Criterion: the bootstrap replicates are a committee of surfaces; where they disagree most about the loss,
// near where they place the optimum, a measurement settles the most. Candidates are concrete architectures
// spending the budget; each scores the variance of the replicates' predicted loss, counted only inside the
// region the replicates' optima span (their 95 % box in log N and S, widened by half its size). Picks are
// greedy, and a pick lowers the score of candidates near it (Gaussian in log10 N and S), so K suggestions
// spread instead of repeating one spot.
#include "core/fit/IsoflopAnalysis.h"
#include "core/model/Accounting.h"

#include <string>
#include <vector>

namespace moescope {

struct SuggestOptions {
    int count = 4;
    double vocab = 32000, ctx = 2048, aspect = 96; // family of the candidates: n_layers = round(d/aspect)
    double granularity = 1;
    std::vector<int> experts{1, 2, 4, 8, 16, 32, 64}; // K = 1
    // GPU-hours assume an H100 (dense bf16 peak 989 TFLOP/s) at 35 % MFU: an assumption, and every view that
    // shows them says so with these numbers.
    double gpuPeakTflops = 989.0, gpuMfu = 0.35;
};

// Hours of one such GPU for `flops`.
double gpuHours(double flops, const SuggestOptions& o = {});

struct Suggestion {
    Architecture arch;
    int heads = 0;
    double params = 0, activeParams = 0, sparsity = 0, tokens = 0, flops = 0, predictedLoss = 0;
    double lossStd = 0;  // the replicates' disagreement there
    double gpuHours = 0; // Eq. 9 FLOPs over the assumed sustained rate
};

// Takes vocab, ctx and granularity from the runs (the most common value among the included runs that
// carry it), so suggestions train what the sweep trained; a field no run carries keeps its default, and is
// returned ("vocab", "ctx", "granularity"): those values are assumptions, to be said as such.
std::vector<std::string> inheritFamily(const RunTable& runs, SuggestOptions& o);

// Concrete candidates at budget C: d from 128 in steps of 64, E from the options; D = C/(6·N_a).
std::vector<Suggestion> candidateConfigs(double budget, const SuggestOptions& o, double minParams,
                                         double maxParams);
// Up to o.count distinct configs: none within 0.1 decades of N (26 %) of another at its sparsity.
std::vector<Suggestion> suggestRuns(const BudgetAnalysis& analysis, const SuggestOptions& o);
// Why `got` suggestions came back when `asked` were: empty when none are missing.
std::string fewerSuggestionsWhy(size_t got, int asked);

} // namespace moescope
