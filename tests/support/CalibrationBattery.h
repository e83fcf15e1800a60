#pragma once
// A battery of simulated MoE sweeps whose true optimum is known (issue #28, point 1): drawn from the tool's
// own law and from forms none of its laws has (an effective-parameter MoE law, an N·D interaction term),
// with constant or loss-proportional noise, various numbers of sizes and sparsity levels. Each sweep is
// fitted on its budgets, its recommended method predicts L* and N* at every sparsity level inside the sweep,
// half a decade and one decade past it, and each 95 % interval is checked against the truth: the empirical
// coverage the intervals promise. bench_calibration runs the whole battery, tst_confidence a fixed subset.
#include "core/fit/Extrapolation.h"
#include "core/fit/PublishedLaws.h"
#include "core/fit/SyntheticSweep.h"
#include "core/model/Accounting.h"

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace moescope::calibration {

using Law = std::function<double(double params, double tokens, double sparsity)>;

struct Generator {
    std::string name;
    Law law;
    bool proportionalNoise = false; // σ·L/2.5 instead of σ
};

inline std::vector<Generator> generators() {
    const AbnarCoefficients abnar;
    auto chinchilla = [](double n, double d) {
        return 1.69 + 406.4 / std::pow(n, 0.34) + 410.7 / std::pow(d, 0.28);
    };
    return {
        {"abnar (the tool's form)",
         [abnar](double n, double d, double s) { return abnarLoss(abnar, n, d, s); }},
        // Experts count as fewer effective parameters: N_eff = N·(1−S)^0.6, no term of any fitted law.
        {"effective-parameter MoE",
         [chinchilla](double n, double d, double s) { return chinchilla(n * std::pow(1 - s, 0.6), d); }},
        {"interaction term",
         [chinchilla](double n, double d, double s) {
             return chinchilla(n * std::pow(1 - s, 0.5), d) + 0.004 * std::log(n / 1e9) * std::log(d / 1e11);
         }},
        {"heteroscedastic abnar", [abnar](double n, double d, double s) { return abnarLoss(abnar, n, d, s); },
         true},
    };
}

struct Design {
    std::vector<double> budgets;
    std::vector<int> experts;
    int sizes = 7;
    double noise = 0.008;
    unsigned seed = 1;
};

// The distances a prediction is judged at.
enum class Distance { Inside, HalfDecade, Decade };
inline const char* distanceName(Distance d) {
    return d == Distance::Inside ? "inside" : d == Distance::HalfDecade ? "+0.5 dec" : "+1 dec";
}

// The method name of the per-budget isoFLOP optima's outcomes (not a frontier: each budget's own surface).
inline const char* const kPerBudget = "isoflop per budget";

struct Outcome {
    std::string generator, method, quantity; // quantity: "L*" or "N*"
    Distance distance = Distance::Inside;
    bool answered = false, covered = false;
    double width = 0; // L*: nats; N*: decades
    double error = 0; // predicted − true (L*: nats; N*: decades)
};

// The true optimum of `law` at (C, S) on the generator's family (core/fit/SyntheticSweep.cpp: n_layers =
// max(2, round(d/96)), K = 1), over every whole d_model.
inline std::pair<double, double> trueOptimum(const Law& law, double budget, int experts) {
    double bestN = 0, bestLoss = 1e300;
    for (double d = 128; d <= 32768; d += 1) {
        Architecture a;
        a.d_model = d, a.n_layers = std::max(2.0, d / 96.0), a.experts = experts, a.active_experts = 1;
        a.vocab = 32000, a.ctx = 2048;
        const double l = law(totalParams(a), budget / flopsPerToken6Na(a), sparsityOf(experts, 1));
        if (l < bestLoss) bestLoss = l, bestN = totalParams(a);
    }
    return {bestN, bestLoss};
}

inline std::vector<Outcome> runCase(const Generator& g, const Design& design, int lawBootstrap = 100) {
    SyntheticSweepSpec spec;
    spec.budgets = design.budgets, spec.experts = design.experts, spec.sizesPerLevel = design.sizes;
    spec.seed = design.seed, spec.law = g.law;
    spec.noise = g.proportionalNoise ? 0 : design.noise;
    RunTable runs = makeSyntheticSweep(spec);
    if (g.proportionalNoise) {
        std::mt19937_64 rng(design.seed);
        std::normal_distribution<double> z(0, 1);
        for (Run& r : runs.runs)
            r.set(Field::Loss, r.get(Field::Loss) * (1 + design.noise / 2.5 * z(rng)));
    }
    ExtrapolationOptions o;
    o.plan.lawFit.bootstrap = lawBootstrap;
    std::vector<Outcome> out;
    FittedMethods fitted;
    Recommendation rec;
    try {
        fitted = fitMethods(runs, o);
        rec = recommendMethod(runs, fitted, o);
    } catch (const std::exception&) {
        return out;
    }
    // Each swept budget's own isoFLOP optimum (the per-budget intervals the Budgets view shows).
    for (const BudgetAnalysis& b : fitted.sweep.budgets)
        for (const NStarPoint& p : b.nStar) {
            if (p.edge) continue;
            const int e = static_cast<int>(std::lround(1 / (1 - p.sparsity)));
            const auto [nTrue, lTrue] = trueOptimum(g.law, b.budget, e);
            Outcome l{g.name, kPerBudget, "L*", Distance::Inside},
                n{g.name, kPerBudget, "N*", Distance::Inside};
            l.answered = std::isfinite(p.loss.lo) && std::isfinite(p.loss.hi);
            l.covered = l.answered && p.loss.lo <= lTrue && lTrue <= p.loss.hi;
            l.width = p.loss.hi - p.loss.lo, l.error = p.loss.value - lTrue;
            n.answered = std::isfinite(p.params.lo) && std::isfinite(p.params.hi) && p.params.lo > 0;
            n.covered = n.answered && p.params.lo <= nTrue && nTrue <= p.params.hi;
            n.width = n.answered ? std::log10(p.params.hi / p.params.lo) : 0;
            n.error = std::log10(p.params.value / nTrue);
            out.push_back(l), out.push_back(n);
        }
    const FrontierMethod* method = fitted.find(rec.method);
    const double top = design.budgets.back();
    const std::pair<Distance, double> targets[] = {
        {Distance::Inside, design.budgets[design.budgets.size() / 2]},
        {Distance::HalfDecade, top * std::sqrt(10.0)},
        {Distance::Decade, top * 10}};
    for (int e : design.experts)
        for (const auto& [distance, budget] : targets) {
            const auto [nTrue, lTrue] = trueOptimum(g.law, budget, e);
            Outcome l{g.name, rec.method, "L*", distance}, n{g.name, rec.method, "N*", distance};
            if (method) {
                PredictRequest req;
                req.budget = budget, req.sparsity = sparsityOf(e, 1);
                try {
                    Prediction p = predictWith(*method, runs, fitted.largestBudget, req);
                    widenByTrackRecord(p, rec); // as predictOptimum does
                    const Band& lb = p.point.loss;
                    const Band& nb = p.point.params;
                    l.answered = std::isfinite(lb.lo) && std::isfinite(lb.hi);
                    l.covered = l.answered && lb.lo <= lTrue && lTrue <= lb.hi;
                    l.width = lb.hi - lb.lo, l.error = lb.value - lTrue;
                    n.answered = std::isfinite(nb.lo) && std::isfinite(nb.hi) && nb.lo > 0;
                    n.covered = n.answered && nb.lo <= nTrue && nTrue <= nb.hi;
                    n.width = n.answered ? std::log10(nb.hi / nb.lo) : 0,
                    n.error = std::log10(nb.value / nTrue);
                } catch (const std::exception&) {
                }
            }
            out.push_back(l), out.push_back(n);
        }
    return out;
}

// The battery's designs: 3–5 budgets, 2, 3 or 7 sparsity levels, 5–9 sizes a level.
inline std::vector<Design> designs(int seeds) {
    std::vector<Design> out;
    for (int seed = 1; seed <= seeds; ++seed) {
        out.push_back({{1e18, 1e19, 1e20}, {1, 4, 16}, 7, 0.008, unsigned(seed)});
        out.push_back({{1e18, 3e18, 1e19, 3e19, 1e20}, {1, 8}, 5, 0.008, unsigned(seed + 100)});
        out.push_back({{1e18, 3e18, 1e19, 3e19}, {1, 2, 4, 8, 16, 32, 64}, 9, 0.008, unsigned(seed + 200)});
    }
    return out;
}

} // namespace moescope::calibration
