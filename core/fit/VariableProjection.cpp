#include "core/fit/VariableProjection.h"

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

namespace moescope {

namespace {
// Log coefficients stay within e^±200: a term the data do not want goes to ~0 without overflowing later.
constexpr double kLogBound = 200;
// Far from a fit the Huber tail makes the inner Hessian indefinite and the damped steps short: a cap the
// Li law at jittered exponents needs (20 steps an evaluation on average over the Abnar grid).
constexpr int kNewtonSteps = 200;
constexpr double kInnerGain = 1e-12;
constexpr int kMaxGroups = 8; // coefficients of a law, its constant included
} // namespace

ProjectedLse::ProjectedLse(const LseObjective& full) : parameters_(full.NumParameters()), full_(full) {
    std::vector<bool> slope(size_t(parameters_), false);
    const auto& terms = full.terms();
    for (size_t k = 0; k < terms.size(); ++k) {
        const int c = terms[k].coefficient;
        if (c < 0) {
            fixedTerms_.push_back(int(k));
        } else {
            auto it = std::find_if(groups_.begin(), groups_.end(),
                                   [c](const Group& g) { return g.parameter == c; });
            if (it == groups_.end()) it = groups_.insert(groups_.end(), Group{c, {}});
            it->terms.push_back(int(k));
        }
        for (const auto& [j, feature] : terms[k].slopes)
            slope[size_t(j)] = true;
    }
    groups_.push_back({full.constant(), {}});
    for (int j = 0; j < parameters_; ++j)
        if (slope[size_t(j)]) exponents_.push_back(j);
    // The split holds when no parameter is both a coefficient and an exponent.
    usable_ = groups_.size() <= size_t(kMaxGroups) && !exponents_.empty() &&
              std::none_of(groups_.begin(), groups_.end(),
                           [&](const Group& g) { return slope[size_t(g.parameter)]; });
}

bool ProjectedLse::bases(const double* p, std::vector<Eigen::ArrayXd>& e) const {
    const auto& terms = full_.terms();
    const Eigen::Index n = full_.logLoss().size();
    e.resize(terms.size());
    for (size_t k = 0; k < terms.size(); ++k) {
        Eigen::ArrayXd x = terms[k].offset.size() ? terms[k].offset : Eigen::ArrayXd::Zero(n);
        for (const auto& [j, feature] : terms[k].slopes)
            x += p[j] * feature;
        if (x.maxCoeff() > 700) return false; // e^700 overflows any sum it enters
        e[k] = x.exp();
    }
    return true;
}

bool ProjectedLse::evaluate(const double* theta, std::vector<double>& c, double* cost,
                            double* gradient) const {
    std::vector<double> p(size_t(parameters_), 0.0);
    for (size_t i = 0; i < exponents_.size(); ++i)
        p[size_t(exponents_[i])] = theta[i];
    thread_local std::vector<Eigen::ArrayXd> e, basis;
    if (!bases(p.data(), e)) return false;
    const Eigen::ArrayXd& y = full_.logLoss();
    const Eigen::Index n = y.size();
    const int G = int(groups_.size());
    basis.resize(size_t(G));
    for (int g = 0; g < G; ++g) {
        basis[size_t(g)] = Eigen::ArrayXd::Constant(n, groups_[size_t(g)].terms.empty() ? 1.0 : 0.0);
        for (int k : groups_[size_t(g)].terms)
            basis[size_t(g)] += e[size_t(k)];
    }
    Eigen::ArrayXd fixed = Eigen::ArrayXd::Zero(n);
    for (int k : fixedTerms_)
        fixed += e[size_t(k)];
    const double delta = full_.delta();

    if (c.size() != size_t(G)) {
        // A start: L ≈ F + Σ A_g B_g in relative error (each row divided by L), by least squares; a
        // coefficient it makes negative starts small instead.
        const Eigen::ArrayXd loss = y.exp();
        Eigen::MatrixXd m(n, G);
        for (int g = 0; g < G; ++g)
            m.col(g) = (basis[size_t(g)] / loss).matrix();
        const Eigen::VectorXd rhs = (1.0 - fixed / loss).matrix();
        Eigen::MatrixXd normal = m.transpose() * m;
        normal.diagonal().array() += 1e-12 * std::max(1e-300, normal.diagonal().maxCoeff());
        const Eigen::VectorXd a = normal.ldlt().solve(m.transpose() * rhs);
        const double floor = 1e-6 * std::max(1e-300, a.cwiseAbs().maxCoeff());
        c.resize(size_t(G));
        for (int g = 0; g < G; ++g)
            c[size_t(g)] = std::clamp(std::log(std::isfinite(a[g]) ? std::max(a[g], floor) : 1.0), -kLogBound,
                                      kLogBound);
    }

    // f(c) = Σ huber(y − log s), s = F + Σ e^{c_g} B_g: a damped Newton step on c until it stops moving.
    // G is at most a handful: small fixed-capacity matrices, and one pass over the points per step.
    using Small = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxGroups, kMaxGroups>;
    using SmallVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxGroups, 1>;
    thread_local Eigen::MatrixXd b;
    b.resize(n, G);
    for (int g = 0; g < G; ++g)
        b.col(g) = basis[size_t(g)].matrix();
    Eigen::ArrayXd s, r, sTrial, rTrial;
    const auto objectiveAt = [&](const SmallVector& at, Eigen::ArrayXd& sum, Eigen::ArrayXd& res) {
        sum = fixed + (b * at.array().exp().matrix()).array();
        res = y - sum.log();
        const double f = huberSum(res, delta);
        return std::isfinite(f) ? f : std::numeric_limits<double>::infinity();
    };
    SmallVector cv(G), trial(G), grad(G), coefficient(G);
    for (int g = 0; g < G; ++g)
        cv[g] = c[size_t(g)];
    double f = objectiveAt(cv, s, r);
    if (!std::isfinite(f)) return false;
    Small hessian(G, G);
    // Damping as a share of the Hessian's largest diagonal: starting at 1 % spared most Newton steps a
    // rejected trial (the Huber tail's part of the Hessian is often indefinite).
    double mu = 1e-2;
    double u[kMaxGroups];
    for (int step = 0; step < kNewtonSteps; ++step) {
        coefficient = cv.array().exp().matrix();
        grad.setZero();
        hessian.setZero();
        // Σ h''·u uᵀ + Σ h'·(u uᵀ − diag u), u_g = A_g B_g / s: the second part is what a Huber tail adds,
        // and may be indefinite.
        for (Eigen::Index i = 0; i < n; ++i) {
            const double hp = std::clamp(r[i], -delta, delta);
            const double w = (std::fabs(r[i]) <= delta ? 1.0 : 0.0) + hp;
            const double inverse = 1.0 / s[i];
            for (int g = 0; g < G; ++g)
                u[g] = coefficient[g] * b(i, g) * inverse;
            for (int g = 0; g < G; ++g) {
                grad[g] -= hp * u[g];
                hessian(g, g) -= hp * u[g];
                for (int l = 0; l <= g; ++l)
                    hessian(g, l) += w * u[g] * u[l];
            }
        }
        hessian.triangularView<Eigen::StrictlyUpper>() = hessian.transpose();
        const double scale = std::max(1e-300, hessian.diagonal().cwiseAbs().maxCoeff());
        bool moved = false;
        double largest = 0, gain = 0;
        for (int attempt = 0; attempt < 40 && !moved; ++attempt, mu *= 4) {
            Small damped = hessian;
            damped.diagonal().array() += mu * scale;
            const Eigen::LDLT<Small> ldlt(damped);
            if (ldlt.info() != Eigen::Success || (ldlt.vectorD().array() <= 0).any()) continue;
            const SmallVector d = ldlt.solve(-grad);
            trial = (cv + d).cwiseMax(-kLogBound).cwiseMin(kLogBound);
            const double ft = objectiveAt(trial, sTrial, rTrial);
            if (ft <= f) {
                largest = d.cwiseAbs().maxCoeff();
                moved = ft < f || largest == 0;
                if (!moved) break; // no decrease and no step: at the optimum to rounding
                gain = f - ft;
                cv = trial, s.swap(sTrial), r.swap(rTrial);
                f = ft;
                mu = std::max(1e-12, mu / 16);
            }
        }
        // Done when a nearly undamped step gains nothing the outer descent could see (its tolerance is 1e-6
        // relative): a heavily damped one gains little wherever it is.
        if (!moved || largest < 1e-11 || (gain <= kInnerGain * f && mu <= 1e-6)) break;
    }
    for (int g = 0; g < G; ++g)
        c[size_t(g)] = cv[g];
    *cost = f;
    if (!gradient) return true;
    // d f / d θ_j = −Σ_i h'(r_i)/s_i · Σ_{terms k with slope j} A_k e_ik feature_kji, at the inner optimum.
    const Eigen::ArrayXd hp = r.max(-delta).min(delta) / s;
    for (size_t i = 0; i < exponents_.size(); ++i)
        gradient[i] = 0;
    const auto& terms = full_.terms();
    std::vector<double> weight(terms.size(), 1.0);
    for (int g = 0; g + 1 < G; ++g)
        for (int k : groups_[size_t(g)].terms)
            weight[size_t(k)] = std::exp(c[size_t(g)]);
    for (size_t k = 0; k < terms.size(); ++k) {
        const Eigen::ArrayXd w = hp * e[k] * weight[k];
        for (const auto& [j, feature] : terms[k].slopes) {
            const size_t at = size_t(std::find(exponents_.begin(), exponents_.end(), j) - exponents_.begin());
            gradient[at] -= (w * feature).sum();
        }
    }
    return true;
}

bool ProjectedLse::project(std::vector<double>& p) const {
    std::vector<double> theta, c;
    for (int j : exponents_)
        theta.push_back(p[size_t(j)]);
    double cost = 0;
    if (!evaluate(theta.data(), c, &cost, nullptr)) return false;
    for (size_t g = 0; g < groups_.size(); ++g)
        p[size_t(groups_[g].parameter)] = c[g];
    return true;
}

bool ProjectedObjective::Evaluate(const double* theta, double* cost, double* gradient) const {
    if (lse_.evaluate(theta, coefficients_, cost, gradient) && std::isfinite(*cost)) return true;
    coefficients_.clear(); // a far trial point: the next evaluation starts its coefficients afresh
    return false;
}

} // namespace moescope
