#pragma once
// Published scaling-law coefficients (ARCHITECTURE.md §4), usable without data: the presets of the laws and
// the ground truth of synthetic sweeps. Each law is written once, as a template over the number type, so the
// same expression serves plain evaluation here and Ceres autodiff in the fitters.
#include <cmath>

namespace moescope {

// Abnar et al. 2025, Table 3: L = a/N^α + b/D^β + c/(1−S)^λ + d/((1−S)^δ N^γ) + e.
struct AbnarCoefficients {
    double alpha = .5962, beta = .3954, lambda = -.1666, delta = .1603, gamma = .1595;
    double a = 16612.50, b = 5455.67, c = .4598, d = 17.26, e = .94;
};

template <typename T>
T abnarLoss(const AbnarCoefficients& k, const T& n, const T& tokens, const T& sparsity) {
    using std::pow;
    const T dense = T(1.0) - sparsity;
    return k.a / pow(n, T(k.alpha)) + k.b / pow(tokens, T(k.beta)) + k.c / pow(dense, T(k.lambda)) +
           k.d / (pow(dense, T(k.delta)) * pow(n, T(k.gamma))) + T(k.e);
}

// Hoffmann et al. 2022 (Chinchilla) and Besiroglu et al. 2024 (Epoch): L = E + A/N^α + B/D^β.
struct ChinchillaCoefficients {
    double E, A, B, alpha, beta;
};
constexpr ChinchillaCoefficients kHoffmann{1.69, 406.4, 410.7, .34, .28};
constexpr ChinchillaCoefficients kEpoch{1.817, 482.0, 2085.4, .348, .366};

inline double chinchillaLoss(const ChinchillaCoefficients& k, double n, double tokens) {
    return k.E + k.A / std::pow(n, k.alpha) + k.B / std::pow(tokens, k.beta);
}

} // namespace moescope
