#pragma once
// A vectorised objective for the laws whose log-prediction is an LSE of terms linear in the parameters
// (chinchilla, abnar, li): t_k = p[coef_k] + offset_k + Σ_j p[j]·feature_kj, plus a constant term p[c].
// It computes the same Huber sum as the autodiff functors of LawForms.h (tests check cost and gradient
// agree), but over all points at once with Eigen arrays, whose exp/log run in SIMD: start grids of
// hundreds of thousands of L-BFGS descents need that.
#include <ceres/first_order_function.h>

#include <Eigen/Core>

#include <vector>

namespace moescope {

struct LseTerm {
    int coefficient = -1;                               // parameter added as is (−1: none)
    Eigen::ArrayXd offset;                              // per-point constant (empty: 0)
    std::vector<std::pair<int, Eigen::ArrayXd>> slopes; // parameter times a per-point feature
};

// Σ huber(r_i) with threshold δ: the recipes' objective on log-loss residuals.
double huberSum(const Eigen::ArrayXd& residual, double delta);

class LseObjective final : public ceres::FirstOrderFunction {
public:
    LseObjective(int parameters, std::vector<LseTerm> terms, int constant, Eigen::ArrayXd logLoss,
                 double delta);
    bool Evaluate(const double* p, double* cost, double* gradient) const override;
    int NumParameters() const override { return parameters_; }
    // Its structure, for variable projection (VariableProjection.h).
    const std::vector<LseTerm>& terms() const { return terms_; }
    int constant() const { return constant_; }
    const Eigen::ArrayXd& logLoss() const { return logLoss_; }
    double delta() const { return delta_; }

private:
    int parameters_;
    std::vector<LseTerm> terms_;
    int constant_;
    Eigen::ArrayXd logLoss_;
    double delta_;
};

} // namespace moescope
