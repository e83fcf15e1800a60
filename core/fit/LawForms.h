#pragma once
// The parametric laws of ARCHITECTURE.md §4, one residual functor per law and point, templated on the scalar
// so Ceres differentiates them (ceres::Jet) and plain code evaluates them (double) from one expression.
// Parameters live in the log form the recipes use (log coefficients, LSE of log terms).
#include <ceres/jet.h>

#include <algorithm>
#include <cmath>

namespace moescope {

// One observation, whatever the law needs of it.
struct LawPoint {
    double n = 0;           // total parameters N
    double na = 0;          // active parameters N_a
    double tokens = 0;      // D
    double sparsity = 0;    // S
    double experts = 1;     // E
    double granularity = 1; // G
    double r = 0;           // expert/attention compute ratio (Li et al.)
    double loss = 0;
    int curve = -1; // points of one run's curve (checkpoints) share an id and are resampled together
};

namespace lawmath {
using ceres::exp;
using ceres::log;
using std::exp;
using std::log;

inline double valueOf(double x) {
    return x;
}
template <int N> double valueOf(const ceres::Jet<double, N>& x) {
    return x.a;
}

// log(Σ exp(x_i)) without overflow. The shift is a plain number (any constant works), which spares the
// derivative parts a subtraction per term.
template <typename T> T lse(const T* x, int n) {
    double m = valueOf(x[0]);
    for (int i = 1; i < n; ++i)
        m = std::max(m, valueOf(x[i]));
    T s(0.0);
    for (int i = 0; i < n; ++i)
        s += exp(x[i] - m);
    return log(s) + m;
}

// log(exp(c) + Σ exp(x_i)) for laws with a constant term c (E in Chinchilla, e in Abnar...): shifting by c
// makes its exponential 1, one exp per point fewer on the hot path of a start grid. Far from c the plain
// max-shifted form takes over, so nothing overflows.
template <typename T> T lseWithConstant(const T* x, int n, const T& c) {
    const double cv = valueOf(c);
    bool safe = true;
    for (int i = 0; i < n; ++i)
        safe = safe && valueOf(x[i]) - cv < 600.0;
    if (!safe) {
        T all[8];
        for (int i = 0; i < n; ++i)
            all[i] = x[i];
        all[n] = c;
        return lse(all, n + 1);
    }
    T s(1.0);
    for (int i = 0; i < n; ++i)
        s += exp(x[i] - c);
    return log(s) + c;
}

template <typename T> T huber(const T& r, double delta) {
    const T a = r < T(0.0) ? -r : r;
    return a <= T(delta) ? T(0.5) * r * r : T(delta) * (a - T(0.5 * delta));
}
} // namespace lawmath

// Chinchilla (Hoffmann et al.; Epoch's recipe): log L̂ = LSE(a − α log N, b − β log D, e); p = [a, b, e, α,
// β].
struct ChinchillaResidual {
    static constexpr int kParams = 5;
    double logN, logD, logL;
    explicit ChinchillaResidual(const LawPoint& x)
        : logN(std::log(x.n)), logD(std::log(x.tokens)), logL(std::log(x.loss)) {}
    template <typename T> T logPrediction(const T* p) const {
        const T terms[2] = {p[0] - p[3] * logN, p[1] - p[4] * logD};
        return lawmath::lseWithConstant(terms, 2, p[2]);
    }
    template <typename T> bool operator()(const T* p, T* residual) const {
        *residual = T(logL) - logPrediction(p);
        return true;
    }
};

// Abnar et al. 2025: L = a/N^α + b/D^β + c/(1−S)^λ + d/((1−S)^δ N^γ) + e as an LSE of five log terms;
// p = [log a, log b, log c, log d, log e, α, β, λ, δ, γ].
struct AbnarResidual {
    static constexpr int kParams = 10;
    double logN, logD, logDense, logL;
    explicit AbnarResidual(const LawPoint& x)
        : logN(std::log(x.n)), logD(std::log(x.tokens)), logDense(std::log1p(-x.sparsity)),
          logL(std::log(x.loss)) {}
    template <typename T> T logPrediction(const T* p) const {
        const T terms[4] = {p[0] - p[5] * logN, p[1] - p[6] * logD, p[2] - p[7] * logDense,
                            p[3] - p[8] * logDense - p[9] * logN};
        return lawmath::lseWithConstant(terms, 4, p[4]);
    }
    template <typename T> bool operator()(const T* p, T* residual) const {
        *residual = T(logL) - logPrediction(p);
        return true;
    }
};

// Li et al. 2026: L = a/N^α + b/D^β + c(1−S)^γ/N^λ + d·r/(r+1) + τ;
// p = [log a, log b, log c, log d, log τ, α, β, λ, γ].
struct LiResidual {
    static constexpr int kParams = 9;
    double logN, logD, logDense, logShare, logL;
    explicit LiResidual(const LawPoint& x)
        : logN(std::log(x.n)), logD(std::log(x.tokens)), logDense(std::log1p(-x.sparsity)),
          logShare(std::log(x.r / (x.r + 1.0))), logL(std::log(x.loss)) {}
    template <typename T> T logPrediction(const T* p) const {
        const T terms[4] = {p[0] - p[5] * logN, p[1] - p[6] * logD, p[2] + p[8] * logDense - p[7] * logN,
                            p[3] + logShare};
        return lawmath::lseWithConstant(terms, 4, p[4]);
    }
    template <typename T> bool operator()(const T* p, T* residual) const {
        *residual = T(logL) - logPrediction(p);
        return true;
    }
};

// Clark et al. 2022: log10 L = a log10 N_a + b log10 Ê + c log10 N_a log10 Ê + d,
// 1/Ê = 1/(E − 1 + (1/E_start − 1/E_max)^−1) + 1/E_max; p = [a, b, c, d, E_start, E_max]. Squared error on
// log10 L.
struct ClarkResidual {
    static constexpr int kParams = 6;
    double log10N, experts, log10L;
    explicit ClarkResidual(const LawPoint& x)
        : log10N(std::log10(x.na)), experts(x.experts), log10L(std::log10(x.loss)) {}
    template <typename T> T log10Prediction(const T* p) const {
        const T inner = T(experts - 1.0) + T(1.0) / (T(1.0) / p[4] - T(1.0) / p[5]);
        const T eHat = T(1.0) / (T(1.0) / inner + T(1.0) / p[5]);
        const T logE = lawmath::log(eHat) / std::log(10.0);
        return p[0] * log10N + p[1] * logE + p[2] * log10N * logE + p[3];
    }
    template <typename T> T logPrediction(const T* p) const { return log10Prediction(p) * std::log(10.0); }
    template <typename T> bool operator()(const T* p, T* residual) const {
        if (!(p[4] > T(1.0)) || !(p[5] > p[4])) return false; // Ê is defined for 1 < E_start < E_max
        *residual = T(log10L) - log10Prediction(p);
        return true;
    }
};

// Ludziejewski et al. 2024: L = c + (g/G^γ + a)/N_a^α + b/D^β; p = [log a, α, log b, β, log g, γ, log c].
struct LudziejewskiResidual {
    static constexpr int kParams = 7;
    double logN, logD, logG, logL;
    explicit LudziejewskiResidual(const LawPoint& x)
        : logN(std::log(x.na)), logD(std::log(x.tokens)), logG(std::log(x.granularity)),
          logL(std::log(x.loss)) {}
    template <typename T> T logPrediction(const T* p) const {
        const T coefficient[2] = {p[4] - p[5] * logG, p[0]};
        const T terms[2] = {lawmath::lse(coefficient, 2) - p[1] * logN, p[2] - p[3] * logD};
        return lawmath::lseWithConstant(terms, 2, p[6]);
    }
    template <typename T> bool operator()(const T* p, T* residual) const {
        *residual = T(logL) - logPrediction(p);
        return true;
    }
};

} // namespace moescope
