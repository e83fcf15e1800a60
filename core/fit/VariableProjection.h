#pragma once
// Variable projection for the laws whose prediction is a sum of positive terms (chinchilla, abnar, li,
// ludziejewski): L̂ = Σ_g A_g·B_g(θ) + E is linear in the coefficients A_g and E once the exponents θ are
// fixed. The coefficients are solved for inside every evaluation (a damped Newton on their logs, the Huber
// objective of the recipe unchanged), so L-BFGS descends over the exponents alone: 5 dimensions instead of
// 10 for Abnar, 2 instead of 5 for Chinchilla, and a start grid over the exponents' axes only (5,400 starts
// for Abnar's 437,400). The gradient over θ is the full objective's at the inner optimum (the coefficients'
// gradient vanishes there), as Golub and Pereyra's projection gives it.
#include "core/fit/LseObjective.h"

#include <ceres/first_order_function.h>

#include <vector>

namespace moescope {

class ProjectedLse {
public:
    explicit ProjectedLse(const LseObjective& full);

    // The parameters L-BFGS moves (the exponents), as indices into the full parameter vector.
    const std::vector<int>& exponents() const { return exponents_; }
    // False when the law's terms do not split into coefficients and exponents (then fit it whole).
    bool usable() const { return usable_; }
    int parameters() const { return parameters_; }

    // The objective at exponents `theta` minimised over the coefficients, and its gradient over `theta`.
    // `coefficients` (log A_g, then log E) is the inner start and is left at the inner optimum; empty: a
    // weighted linear least-squares start. False when no finite optimum exists there.
    bool evaluate(const double* theta, std::vector<double>& coefficients, double* cost,
                  double* gradient) const;
    // Fills the coefficient entries of a full parameter vector with their optimum at its exponents. False
    // (p unchanged) when there is none.
    bool project(std::vector<double>& p) const;

private:
    struct Group {
        int parameter;          // the log coefficient's index in the full vector
        std::vector<int> terms; // the terms it multiplies
    };
    // Per-point term values at θ without their coefficients: exp(offset + Σ θ_j feature_j).
    bool bases(const double* full, std::vector<Eigen::ArrayXd>& e) const;
    int parameters_;
    const LseObjective& full_;
    std::vector<int> exponents_;
    std::vector<Group> groups_; // the constant's group last (its basis is 1)
    std::vector<int> fixedTerms_;
    bool usable_ = false;
};

// The ceres function of one descent over the exponents: keeps its inner optimum between evaluations as the
// next inner start (one per descent; not shared between threads).
class ProjectedObjective final : public ceres::FirstOrderFunction {
public:
    explicit ProjectedObjective(const ProjectedLse& lse) : lse_(lse) {}
    bool Evaluate(const double* theta, double* cost, double* gradient) const override;
    int NumParameters() const override { return int(lse_.exponents().size()); }

private:
    const ProjectedLse& lse_;
    mutable std::vector<double> coefficients_;
};

} // namespace moescope
