#include "core/fit/SweepDesign.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace moescope {

namespace {

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
    char buf[240];
    std::snprintf(buf, sizeof buf, format, a, b, c);
    return buf;
}

// Levels compare at 6 significant digits: a CSV's 1.0e9 and a derived 999999999.7 are one size.
double levelKey(double v) {
    return v == 0 ? 0 : std::stod(fmt("%.6g", v));
}

DesignAxis axis(const std::vector<double>& values) {
    DesignAxis a;
    std::set<double> levels;
    for (double v : values)
        levels.insert(levelKey(v));
    a.levels = static_cast<int>(levels.size());
    if (!values.empty()) {
        a.min = *std::min_element(values.begin(), values.end());
        a.max = *std::max_element(values.begin(), values.end());
    }
    return a;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = x.size();
    if (n < 3) return 0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; ++i)
        mx += x[i], my += y[i];
    mx /= n, my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i)
        sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
    return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
}

} // namespace

double DesignAxis::decadesPast(double value) const {
    if (levels == 0 || !(value > 0) || !(min > 0)) return 0;
    if (value > max) return std::log10(value / max);
    if (value < min) return std::log10(min / value);
    return 0;
}

SweepDesign analyzeDesign(const RunTable& runs, const DesignOptions& o) {
    SweepDesign d;
    std::vector<double> n, na, tokens, s, c, loss;
    std::vector<double> lnN, lnNa, lnD; // of the runs that carry all three
    double worst = 0;
    // One check of a run's stated budget against what its sizes and tokens imply: `ratio` is |ln| of how far
    // off, `example` says it for the message when it is the worst so far.
    auto judgeBudget = [&](double ratio, const auto& example) {
        ++d.budgetChecked;
        if (!(ratio > std::log(o.budgetFactor))) return;
        ++d.budgetMismatched;
        if (ratio > worst) worst = ratio, d.budgetExample = example();
    };
    for (const Run& r : runs.runs) {
        if (r.excluded || !r.has(Field::Loss)) continue;
        loss.push_back(r.get(Field::Loss));
        if (r.has(Field::Params)) n.push_back(r.get(Field::Params));
        if (r.has(Field::ActiveParams)) na.push_back(r.get(Field::ActiveParams));
        if (r.has(Field::Tokens)) tokens.push_back(r.get(Field::Tokens));
        s.push_back(r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0);
        const Field budgetField = r.has(Field::Budget) ? Field::Budget : Field::Flops;
        if (r.has(budgetField)) c.push_back(r.get(budgetField));
        // The compute the file itself states (a budget level, or else the FLOPs), not one derived from N_a,
        // D.
        const Field stated =
            r.has(Field::Budget) && !r.isDerived(Field::Budget) ? Field::Budget : Field::Flops;
        if (r.has(Field::Params) && r.has(Field::ActiveParams) && r.has(Field::Tokens) &&
            r.get(Field::Params) > 0 && r.get(Field::ActiveParams) > 0 && r.get(Field::Tokens) > 0) {
            lnN.push_back(std::log(r.get(Field::Params)));
            lnNa.push_back(std::log(r.get(Field::ActiveParams)));
            lnD.push_back(std::log(r.get(Field::Tokens)));
        }
        // A budget the file states beside N_a and D that it did not derive from them.
        if (r.has(stated) && !r.isDerived(stated) && r.has(Field::ActiveParams) && r.has(Field::Tokens) &&
            !(r.isDerived(Field::Tokens) || r.isDerived(Field::ActiveParams)) && r.get(stated) > 0) {
            const double implied = o.flopsPerToken * r.get(Field::ActiveParams) * r.get(Field::Tokens);
            judgeBudget(implied > 0 ? std::fabs(std::log(r.get(stated) / implied)) : INFINITY, [&] {
                return fmt("line %.0f: C %.3g, 6·N_a·D %.3g", r.sourceLine, r.get(stated), implied);
            });
        } else if (r.has(stated) && !r.isDerived(stated) &&
                   (!r.has(Field::ActiveParams) || r.isDerived(Field::ActiveParams)) &&
                   r.has(Field::Tokens) && !r.isDerived(Field::Tokens) && r.has(Field::Params) &&
                   !r.isDerived(Field::Params) && r.get(Field::Params) > 0 && r.get(Field::Tokens) > 0) {
            // Without a stated N_a, C/(6·D) is the active count the budget implies; what it can contradict is
            // N: a model never activates more than it has (tokens in billions beside FLOPs implied 1e16
            // active parameters beside N 1e8).
            const double implied = r.get(stated) / (o.flopsPerToken * r.get(Field::Tokens));
            judgeBudget(std::log(implied / r.get(Field::Params)), [&] {
                return fmt("line %.0f: C/(6·D) %.3g active parameters, N %.3g", r.sourceLine, implied,
                           r.get(Field::Params));
            });
        }
    }
    d.params = axis(n), d.active = axis(na), d.tokens = axis(tokens), d.sparsity = axis(s),
    d.budget = axis(c);

    const std::pair<const char*, std::pair<const std::vector<double>*, const std::vector<double>*>> pairs[] =
        {{"ln N_a and ln D", {&lnNa, &lnD}}, {"ln N and ln D", {&lnN, &lnD}}};
    for (const auto& [name, xy] : pairs) {
        const double r = std::fabs(pearson(*xy.first, *xy.second));
        if (r > d.maxCorrelation) d.maxCorrelation = r, d.correlatedPair = name;
    }

    if (loss.size() > 1) {
        const auto [lo, hi] = std::minmax_element(loss.begin(), loss.end());
        d.lossVaries = *hi - *lo > 1e-9 * std::max(1.0, std::fabs(*hi));
        if (!d.lossVaries)
            d.refusals.push_back(
                fmt("no loss variation: every one of the %.0f included runs has loss %.6g, so "
                    "no law or surface can be fitted",
                    double(loss.size()), *lo));
    }
    if (d.budgetMismatched > 0) {
        const std::string what =
            fmt("%.0f of %.0f runs state a budget that disagrees with 6·N_a·D by more than "
                "×%.3g",
                d.budgetMismatched, d.budgetChecked, o.budgetFactor) +
            " (" + d.budgetExample + ")";
        const bool most = 2 * d.budgetMismatched > d.budgetChecked;
        d.budgetProblem = most ? what + ": the budget, the active parameters or the tokens are in another "
                                        "unit or convention; fix the mapping (a multiplier) before fitting"
                               : what;
        (most ? d.refusals : d.warnings).push_back(d.budgetProblem);
    }

    // What the optimum's location needs: more than one model size, more than one token count, and the two
    // moving apart.
    auto undetermined = [&](const std::string& why, std::initializer_list<const char*> quantities) {
        for (const char* q : quantities)
            d.undetermined.emplace(q, why);
    };
    if (d.params.levels == 1)
        undetermined(fmt("total parameters take one value (N = %.3g)", d.params.min),
                     {"n_star", "active_params_star", "tokens_star", "loss_star"});
    if (d.tokens.levels == 1)
        undetermined(
            fmt("tokens take one value (D = %.3g): the trade of N against D is not observed", d.tokens.min),
            {"n_star", "active_params_star", "tokens_star", "loss_star"});
    if (d.maxCorrelation > o.collinear)
        undetermined(d.correlatedPair + fmt(" are collinear (|r| = %.4f): their effects cannot be told apart",
                                            d.maxCorrelation),
                     {"n_star", "active_params_star", "tokens_star"});
    if (!na.empty() && d.active.levels == 1 && d.params.levels > 1 && d.sparsity.levels == 1)
        undetermined(fmt("active parameters take one value (N_a = %.3g)", d.active.min),
                     {"active_params_star", "tokens_star"});
    if (d.sparsity.levels == 1)
        d.undetermined.emplace(
            "sparsity_star",
            fmt("one sparsity level (S = %.4g): the sweep does not vary it", d.sparsity.min));
    if (!d.lossVaries)
        undetermined(d.refusals.front(), {"n_star", "active_params_star", "tokens_star", "loss_star"});
    return d;
}

} // namespace moescope
