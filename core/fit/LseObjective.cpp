#include "core/fit/LseObjective.h"

#include <cmath>

namespace moescope {

LseObjective::LseObjective(int parameters, std::vector<LseTerm> terms, int constant, Eigen::ArrayXd logLoss,
                           double delta)
    : parameters_(parameters), terms_(std::move(terms)), constant_(constant), logLoss_(std::move(logLoss)),
      delta_(delta) {}

double huberSum(const Eigen::ArrayXd& residual, double delta) {
    double f = 0;
    for (Eigen::Index i = 0; i < residual.size(); ++i) {
        const double a = std::fabs(residual[i]);
        f += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }
    return f;
}

bool LseObjective::Evaluate(const double* p, double* cost, double* gradient) const {
    const Eigen::Index n = logLoss_.size();
    const double c = p[constant_];
    // Per-thread scratch: the fitter calls one objective from several threads, millions of times.
    thread_local std::vector<Eigen::ArrayXd> e;
    thread_local Eigen::ArrayXd sum, residual, psi, w;
    if (e.size() < terms_.size()) e.resize(terms_.size());
    sum.setOnes(n);
    // Shifted by the constant term, as lseWithConstant does: exp(c − c) = 1.
    for (size_t k = 0; k < terms_.size(); ++k) {
        const LseTerm& t = terms_[k];
        const double shift = (t.coefficient >= 0 ? p[t.coefficient] : 0.0) - c;
        // One fused pass per term for the common shapes (Eigen evaluates each line as a single loop);
        // an overflow shows up as a non-finite cost below and makes the line search back off.
        const auto& sl = t.slopes;
        if (t.offset.size() == 0 && sl.size() == 1)
            e[k] = (shift + p[sl[0].first] * sl[0].second).exp();
        else if (t.offset.size() == 0 && sl.size() == 2)
            e[k] = (shift + p[sl[0].first] * sl[0].second + p[sl[1].first] * sl[1].second).exp();
        else {
            Eigen::ArrayXd x = Eigen::ArrayXd::Constant(n, shift);
            if (t.offset.size()) x += t.offset;
            for (const auto& [j, feature] : sl)
                x += p[j] * feature;
            e[k] = x.exp();
        }
        sum += e[k];
    }
    residual = logLoss_ - sum.log() - c;
    const double f = huberSum(residual, delta_);
    if (!std::isfinite(f)) return false;
    *cost = f;
    if (!gradient) return true;
    // d huber / d prediction = −clamp(r, −δ, δ); d prediction / d t_k = e_k / sum.
    psi = -residual.max(-delta_).min(delta_) / sum;
    for (int j = 0; j < parameters_; ++j)
        gradient[j] = 0;
    for (size_t k = 0; k < terms_.size(); ++k) {
        w = psi * e[k];
        if (terms_[k].coefficient >= 0) gradient[terms_[k].coefficient] += w.sum();
        for (const auto& [j, feature] : terms_[k].slopes)
            gradient[j] += (w * feature).sum();
    }
    // Every term was shifted by c, so d/dc of c + log(1 + Σ exp(t_k − c)) is the constant's own weight 1/sum.
    gradient[constant_] += psi.sum();
    return true;
}

} // namespace moescope
