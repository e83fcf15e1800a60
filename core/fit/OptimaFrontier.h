#pragma once
// The frontier from a table of optima (issue #28, point 5): researchers often hold a ladder as one row per
// budget — the budget, the best run's size, its loss — rather than the sweep behind it. Each included run of
// such a table is one budget's optimum; L*(C) = E + A·C^−α is fitted to them (E pinned with --loss-floor or
// fitted from four budgets or more), N*(C) and D*(C) as power laws where the table has them, and every
// interval is a t prediction interval on the optima's scatter about the trend.
#include "core/fit/Frontier.h"
#include "core/fit/SweepDesign.h"

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
    bool hasParams() const { return hasParams_; } // N*(C) fitted: two budgets or more state a size
    bool hasActive() const { return hasActive_; } // N_a*(C) and D*(C) fitted

private:
    SparsityFrontier level_;
    bool hasParams_ = false, hasActive_ = false;
};

// Whether `runs` can be read as a table of optima: two budgets or more, each with exactly one included run
// that has a loss. (Whether they are one is the user's to say: AnalysisPlan::optimaTable.)
bool isTableOfOptima(const RunTable& runs);

// What a table of optima can determine: its budgets, and N* and D* only where it states sizes.
SweepDesign optimaDesign(const OptimaFrontier& frontier);
// Why the table's own frontier answers: "a table of optima (6 budgets): …".
std::string optimaWhy(const OptimaFrontier& frontier);

} // namespace moescope
