#include "core/fit/OptimaFrontier.h"

#include "core/fit/FrontierTrends.h"
#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace moescope {

namespace {

struct Optimum {
    double budget = 0, params = NAN, active = NAN, loss = NAN;
};

// A row's budget: its stated budget, else its FLOPs; 0 when it states neither (or not a positive one). One
// rule for reading a table and for telling whether runs are one.
double budgetOf(const Run& r) {
    const double c = r.has(Field::Budget)  ? r.get(Field::Budget)
                     : r.has(Field::Flops) ? r.get(Field::Flops)
                                           : 0;
    return c > 0 ? c : 0;
}

std::string fmt(const char* format, double a, double b = 0) {
    char buf[200];
    std::snprintf(buf, sizeof buf, format, a, b);
    return buf;
}

} // namespace

OptimaFrontier::OptimaFrontier(const RunTable& table, const FrontierFitOptions& o) {
    std::vector<Optimum> rows;
    std::set<double> sparsities;
    for (const Run& r : table.runs) {
        if (r.excluded || !r.has(Field::Loss) || !budgetOf(r)) continue;
        Optimum p;
        p.budget = budgetOf(r), p.loss = r.get(Field::Loss);
        if (r.has(Field::Params)) p.params = r.get(Field::Params);
        const double s = r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0;
        p.active = r.has(Field::ActiveParams) ? r.get(Field::ActiveParams) : (s == 0 ? p.params : NAN);
        sparsities.insert(s);
        rows.push_back(p);
    }
    if (sparsities.size() > 1)
        throw FrontierError("a table of optima holds one sparsity level; this one has " +
                            std::to_string(sparsities.size()) + " (choose one with --where)");
    std::sort(rows.begin(), rows.end(),
              [](const Optimum& a, const Optimum& b) { return a.budget < b.budget; });
    for (size_t i = 1; i < rows.size(); ++i)
        if (std::fabs(std::log(rows[i].budget / rows[i - 1].budget)) < 1e-9)
            throw FrontierError(
                fmt("budget %.4g appears twice: a table of optima has one row per budget", rows[i].budget));
    if (rows.size() < 2)
        throw FrontierError(std::to_string(rows.size()) + " budget(s) with a loss: a frontier needs 2");
    level_.sparsity = sparsities.empty() ? 0 : *sparsities.begin();

    std::vector<double> x, yN, yA, yD, l, w(rows.size(), 1.0);
    double x0 = 0;
    for (const Optimum& p : rows) {
        x.push_back(std::log(p.budget)), x0 += x.back() / rows.size();
        yN.push_back(p.params > 0 ? std::log(p.params) : NAN);
        yA.push_back(p.active > 0 ? std::log(p.active) : NAN);
        yD.push_back(p.active > 0 ? x.back() - std::log(o.flopsPerToken) - yA.back() : NAN);
        l.push_back(p.loss);
        level_.budgets.push_back(p.budget);
    }
    auto count = [](const std::vector<double>& v) {
        return std::count_if(v.begin(), v.end(), [](double y) { return std::isfinite(y); });
    };
    hasParams_ = count(yN) >= 2, hasActive_ = count(yA) >= 2;
    const bool fitFloor = !o.lossFloor && rows.size() >= 4;
    const std::optional<double> floor =
        o.lossFloor ? o.lossFloor : (fitFloor ? std::nullopt : std::optional(0.0));
    FrontierCoefficients& f = level_.fit;
    if (hasParams_) f.params = fitPower(x, yN, w, x0);
    if (hasActive_) f.active = fitPower(x, yA, w, x0), f.tokens = fitPower(x, yD, w, x0);
    f.loss = fitLoss(x, l, w, x0, floor);
    level_.floorFitted = fitFloor;

    std::vector<double> rN, rA, rL;
    for (size_t i = 0; i < rows.size(); ++i) {
        const double c = rows[i].budget;
        rN.push_back(hasParams_ && std::isfinite(yN[i]) ? yN[i] - std::log(f.params(c)) : NAN);
        rA.push_back(hasActive_ && std::isfinite(yA[i]) ? yA[i] - std::log(f.active(c)) : NAN);
        rL.push_back(f.loss.valid() ? rows[i].loss - f.loss(c) : NAN);
    }
    level_.paramsScatter = scatterAbout(x, rN, 2);
    level_.activeScatter = scatterAbout(x, rA, 2);
    level_.lossScatter = scatterAbout(x, rL, fitFloor ? 3 : 2);
    if (!o.lossFloor && !fitFloor)
        level_.warnings.push_back(
            fmt("L*(C): %.0f budget(s) cannot identify the irreducible loss E, so E = 0 (a "
                "pure power law, optimistic far out); pin it with the loss floor",
                double(rows.size())));
    if (!std::isfinite(level_.lossScatter.halfWidth(x0)))
        level_.warnings.push_back(
            fmt("%.0f budget(s) leave no degree of freedom to measure the optima's scatter "
                "about L*(C): no interval",
                double(rows.size())));
}

FrontierPoint OptimaFrontier::at(double budget, double sparsity, double maxParams) const {
    if (std::fabs(sparsity - level_.sparsity) > 1e-9)
        throw FrontierError(fmt("the table of optima is at S = %.4g, not %.4g", level_.sparsity, sparsity));
    FrontierPoint p;
    p.method = name();
    p.budget = budget;
    p.sparsity = sparsity;
    const double x = std::log(budget);
    const FrontierCoefficients& f = level_.fit;
    auto predicted = [&](bool has, const auto& trend, const TrendScatter& scatter, bool logScale) {
        const double v = has && trend.valid() ? trend(budget) : NAN;
        return withScatter(Band{v, NAN, NAN}, scatter.halfWidth(x), logScale);
    };
    p.params = predicted(hasParams_, f.params, level_.paramsScatter, true);
    p.activeParams = predicted(hasActive_, f.active, level_.activeScatter, true);
    p.tokens = predicted(hasActive_, f.tokens, level_.activeScatter, true);
    p.loss = predicted(true, f.loss, level_.lossScatter, false);
    p.warnings = level_.warnings;
    if (p.params.value > maxParams)
        throw FrontierError(
            fmt("N* %.3g exceeds --max-params %.3g: a table of optima cannot price a model off "
                "its optimum",
                p.params.value, maxParams));
    return p;
}

bool isTableOfOptima(const RunTable& runs) {
    std::map<double, int> perBudget;
    for (const Run& r : runs.runs) {
        if (r.excluded || !r.has(Field::Loss)) continue;
        if (!budgetOf(r)) return false;
        ++perBudget[budgetOf(r)];
    }
    return perBudget.size() >= 2 &&
           std::all_of(perBudget.begin(), perBudget.end(), [](const auto& b) { return b.second == 1; });
}

SweepDesign optimaDesign(const OptimaFrontier& frontier) {
    SweepDesign d;
    const auto& budgets = frontier.level().budgets;
    d.budget.levels = static_cast<int>(budgets.size()), d.budget.min = budgets.front(),
    d.budget.max = budgets.back();
    if (!frontier.hasParams()) d.undetermined.emplace("n_star", "the table states no size (N*) per budget");
    if (!frontier.hasActive()) {
        d.undetermined.emplace("active_params_star", "the table states no active size per budget");
        d.undetermined.emplace("tokens_star", "the table states no active size (D* = C/(6·N_a*))");
    }
    return d;
}

std::string optimaWhy(const OptimaFrontier& frontier) {
    return "a table of optima (" + std::to_string(frontier.level().budgets.size()) +
           " budgets): L*(C) and N*(C) fitted to them, intervals from their scatter";
}

} // namespace moescope
