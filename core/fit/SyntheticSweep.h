#pragma once
// Synthetic isoFLOP sweeps drawn from a known law: the bundled sample sweep until real trainer output
// replaces it, and the ground truth tests compare fits against. Architectures are concrete (d multiple of
// 64, integer E and K) and counted by core/model's accounting, so N, N_a and D are consistent.
#include "core/model/Run.h"

#include <functional>
#include <vector>

namespace moescope {

struct SyntheticSweepSpec {
    std::vector<double> budgets{1e18, 1e19, 1e20};
    std::vector<int> experts{1, 2, 4, 8, 16, 32, 64}; // K = 1: S = 1 − 1/E
    int sizesPerLevel = 9; // spread over ≈ 1/8 .. 8 × the law's N* at each level
    double noise = 0.005;  // Gaussian σ added to each loss
    unsigned seed = 7;
    double vocab = 32000, ctx = 2048;
    // false: depth d/96 exactly, not rounded to whole layers. The family's N_a(N) then has no steps and its
    // optimum N* moves smoothly with C; on whole layers the true N* jumps between depths where the losses
    // differ by 1e-4 nats, which no fitted law can place (the calibration battery needs a truth it can).
    bool wholeLayers = true;
    // Ground truth L(N, D, S); the Abnar preset when empty.
    std::function<double(double n, double tokens, double sparsity)> law;
};

RunTable makeSyntheticSweep(const SyntheticSweepSpec& spec);

} // namespace moescope
