#pragma once
// The family of parametric laws (ARCHITECTURE.md §4): chinchilla, abnar, li, clark, ludziejewski. Each member
// knows its parameter names, the run fields it needs, its default start grid, its published preset, how to
// predict a loss and how to build the Ceres objective (Huber on log-loss residuals, summed; Clark: squared
// error on log10 L).
#include "core/fit/LawForms.h"
#include "core/model/Field.h"
#include "core/model/Run.h"

#include <ceres/first_order_function.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moescope {

// The recipe's Huber δ on log-loss residuals (Hoffmann et al.: 1e-3); a fit may choose another.
constexpr double kHuberDelta = 1e-3;

class ParametricLaw {
public:
    virtual ~ParametricLaw() = default;

    virtual std::string id() const = 0;
    virtual std::string formula() const = 0;
    // Fitted (internal, log-form) parameter names, in order.
    virtual std::vector<std::string> parameterNames() const = 0;
    // The run fields a point must carry.
    virtual std::vector<Field> inputs() const = 0;
    virtual bool needsRatio() const { return false; } // Li's r, computed from the architecture
    // Axes whose Cartesian product is the recipe's start grid.
    virtual std::vector<std::vector<double>> startAxes() const = 0;
    // The published coefficients in internal form, and where they come from (with any caveat).
    virtual std::vector<double> preset() const = 0;
    virtual std::string presetSource() const = 0;
    // Why the published coefficients cannot plan a model (empty: they can).
    virtual std::string presetPlanProblem() const { return {}; }
    // Internal parameters to the names papers print (E, A, B, alpha, beta for chinchilla).
    virtual std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const = 0;
    virtual double predict(const std::vector<double>& p, const LawPoint& x) const = 0;
    // The summed objective over `points`, differentiated by Ceres' autodiff from the residual functor.
    virtual std::unique_ptr<ceres::FirstOrderFunction>
    autodiffObjective(const std::vector<LawPoint>& points, double huberDelta = kHuberDelta) const = 0;
    // What the fitter uses: the vectorised analytic form where the law has one (LseObjective), which tests
    // hold equal to the autodiff form, else the autodiff form.
    virtual std::unique_ptr<ceres::FirstOrderFunction> objective(const std::vector<LawPoint>& points,
                                                                 double huberDelta = kHuberDelta) const = 0;
    // A law with a structure descent cannot use well (a linear part, a flat valley) improves a descent's
    // result `p` here, lowering `objective` (the same sum objective() computes); false when it did nothing.
    virtual bool refine(const std::vector<LawPoint>&, std::vector<double>&, double&) const { return false; }
    // The residual the objective sums (in log or log10 loss), for metrics and tests.
    virtual double residual(const std::vector<double>& p, const LawPoint& x) const = 0;

    int parameterCount() const { return static_cast<int>(parameterNames().size()); }
    size_t fullGridSize() const;
};

std::unique_ptr<ParametricLaw> makeLaw(const std::string& id);
std::vector<std::string> lawIds();

// A published coefficient set: every law's own (by its id) and refits of a law by others (epoch: Besiroglu
// et al. 2024's refit of Chinchilla).
struct Preset {
    std::unique_ptr<ParametricLaw> law;
    std::vector<double> parameters; // internal form
    std::string source;
};
std::optional<Preset> makePreset(const std::string& name);
std::vector<std::string> presetIds();

// A run as a law's point; false when a needed field is missing (the reason names it).
bool toLawPoint(const Run& run, const ParametricLaw& law, LawPoint& point, std::string* why = nullptr);

} // namespace moescope
