#pragma once
// The frontier from a table of optima (issue #28, point 5): researchers often hold a ladder as one row per
// budget — the budget, the best run's size, its loss — rather than the sweep behind it. Each included run of
// such a table is one budget's optimum; L*(C) = E + A·C^−α is fitted to them (E pinned with --loss-floor or
// fitted from four budgets or more), N*(C) and D*(C) as power laws where the table has them, and every
// interval is a t prediction interval on the optima's scatter about the trend.
#include "core/fit/Frontier.h"

namespace moescope {

class OptimaFrontier final : public FrontierMethod {
public:
    // FrontierError when fewer than two budgets carry a loss, or a budget appears twice.
    OptimaFrontier(const RunTable& optima, const FrontierFitOptions& options);
    std::string name() const override { return "optima"; }
    std::vector<double> sparsities() const override { return {level_.sparsity}; }
    FrontierPoint at(double budget, double sparsity, double maxParams) const override;
    std::vector<std::string> warnings() const override { return level_.warnings; }
    const SparsityFrontier& level() const { return level_; }

private:
    SparsityFrontier level_;
    bool hasParams_ = false, hasActive_ = false;
};

} // namespace moescope
