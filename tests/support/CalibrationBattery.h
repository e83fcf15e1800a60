#pragma once
// A battery of simulated MoE sweeps whose true optimum is known (issue #28, point 1): drawn from the tool's
// own law and from forms none of its laws has (an effective-parameter MoE law, an N·D interaction term),
// with constant or loss-proportional noise, 3–6 budgets, 2–7 sparsity levels, 4–9 sizes a level,
// learning-rate repeats and crashed runs. Each sweep is fitted on its budgets, its recommended method
// predicts L*, N* and D* at every sparsity level inside the sweep, half a decade and one decade past it, and
// each 95 % interval is checked against the truth: the empirical coverage the intervals promise.
// bench_calibration runs the whole battery, tst_confidence a fixed subset.
//
// The family is smooth (depth d/96, not whole layers): on whole layers the true N* jumps between depths
// where the losses differ by 1e-4 nats (E = 64 at 1e19: 4.65e9 on whole layers, 4.21e9 without), a truth
// no fitted law could be asked to place.
#include "core/fit/Extrapolation.h"
#include "core/fit/PublishedLaws.h"
#include "core/fit/SyntheticSweep.h"
#include "core/model/Accounting.h"
#include "core/model/RunSelection.h"

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
    // Each model trained at ½, 1 and 2 × its best learning rate (the off ones 0.01 nats worse, each with its
    // own noise), the best of the three kept as `--best-per d_model,experts,budget` keeps it.
    bool learningRateRepeats = false;
    double crashed = 0; // this share of runs crashed: no loss, excluded as an import excludes them
};

// The distances a prediction is judged at.
enum class Distance { Inside, HalfDecade, Decade };
inline const char* distanceName(Distance d) {
    return d == Distance::Inside ? "inside" : d == Distance::HalfDecade ? "+0.5 dec" : "+1 dec";
}

// The method name of the per-budget isoFLOP optima's outcomes (not a frontier: each budget's own surface).
inline const char* const kPerBudget = "isoflop per budget";

struct Outcome {
    std::string generator, method, quantity; // quantity: "L*", "N*" or "D*"
    Distance distance = Distance::Inside;
    bool answered = false, covered = false;
    double width = 0; // L*: nats; N*, D*: decades
    double error = 0; // predicted − true (L*: nats; N*, D*: decades)
};

struct Truth {
    double params = 0, loss = 1e300, tokens = 0;
};

// The true optimum of `law` at (C, S) on the generator's family (core/fit/SyntheticSweep.cpp without whole
// layers: n_layers = max(2, d/96), K = 1), over every whole d_model.
inline Truth trueOptimum(const Law& law, double budget, int experts) {
    Truth best;
    for (double d = 128; d <= 32768; d += 1) {
        Architecture a;
        a.d_model = d, a.n_layers = std::max(2.0, d / 96.0), a.experts = experts, a.active_experts = 1;
        a.vocab = 32000, a.ctx = 2048;
        const double tokens = budget / flopsPerToken6Na(a);
        const double l = law(totalParams(a), tokens, sparsityOf(experts, 1));
        if (l < best.loss) best = {totalParams(a), l, tokens};
    }
    return best;
}

// How `band` (L* in nats, N* and D* in decades when logScale) holds `truth`.
inline void judge(Outcome& o, const Band& band, double truth, bool logScale) {
    o.answered = std::isfinite(band.lo) && std::isfinite(band.hi) && (!logScale || band.lo > 0);
    o.covered = o.answered && band.lo <= truth && truth <= band.hi;
    if (logScale) {
        o.width = o.answered ? std::log10(band.hi / band.lo) : 0;
        o.error = std::log10(band.value / truth);
    } else {
        o.width = band.hi - band.lo, o.error = band.value - truth;
    }
}

inline std::vector<Outcome> runCase(const Generator& g, const Design& design, int lawBootstrap = 100) {
    SyntheticSweepSpec spec;
    spec.budgets = design.budgets, spec.experts = design.experts, spec.sizesPerLevel = design.sizes;
    spec.seed = design.seed, spec.law = g.law;
    spec.wholeLayers = false; // the family trueOptimum searches
    spec.noise = g.proportionalNoise ? 0 : design.noise;
    RunTable runs = makeSyntheticSweep(spec);
    std::mt19937_64 rng(design.seed);
    std::normal_distribution<double> z(0, 1);
    if (g.proportionalNoise)
        for (Run& r : runs.runs)
            r.set(Field::Loss, r.get(Field::Loss) * (1 + design.noise / 2.5 * z(rng)));
    if (design.learningRateRepeats) {
        runs.metricNames.push_back("lr");
        std::vector<Run> all;
        for (const Run& base : runs.runs)
            for (double octaves : {-1.0, 0.0, 1.0}) {
                Run r = base;
                r.metrics = {3e-3 * std::exp2(octaves)};
                if (octaves != 0) r.set(Field::Loss, r.get(Field::Loss) + 0.01 + design.noise * z(rng));
                all.push_back(r);
            }
        runs.runs = std::move(all);
        RunSelection best;
        best.per = RunSelection::Per::Best, best.groupColumns = {"d_model", "experts", "budget"};
        std::string error;
        if (!applySelection(runs, best, error)) throw std::logic_error(error);
    }
    std::bernoulli_distribution crash(design.crashed);
    for (Run& r : runs.runs)
        if (!r.excluded && crash(rng))
            r.values[int(Field::Loss)] = NAN, r.excluded = true, r.excludedWhy = "no loss";
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
            const Truth t = trueOptimum(g.law, b.budget, e);
            Outcome l{g.name, kPerBudget, "L*", Distance::Inside},
                n{g.name, kPerBudget, "N*", Distance::Inside};
            judge(l, p.loss, t.loss, false), judge(n, p.params, t.params, true);
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
            const Truth t = trueOptimum(g.law, budget, e);
            Outcome l{g.name, rec.method, "L*", distance}, n{g.name, rec.method, "N*", distance},
                d{g.name, rec.method, "D*", distance};
            if (method) {
                PredictRequest req;
                req.budget = budget, req.sparsity = sparsityOf(e, 1);
                try {
                    Prediction p = predictWith(*method, runs, fitted.largestBudget, req);
                    widenByTrackRecord(p, rec); // as predictOptimum does
                    judge(l, p.point.loss, t.loss, false), judge(n, p.point.params, t.params, true);
                    judge(d, p.point.tokens, t.tokens, true);
                } catch (const std::exception&) {
                }
            }
            out.push_back(l), out.push_back(n), out.push_back(d);
        }
    return out;
}

// The battery's designs: 3–6 budgets, 2–7 sparsity levels, 4–9 sizes a level, learning-rate repeats,
// crashed runs.
inline std::vector<Design> designs(int seeds) {
    std::vector<Design> out;
    for (int seed = 1; seed <= seeds; ++seed) {
        const unsigned u = unsigned(seed);
        out.push_back({{1e18, 1e19, 1e20}, {1, 4, 16}, 7, 0.008, u});
        out.push_back({{1e18, 3e18, 1e19, 3e19, 1e20}, {1, 8}, 5, 0.008, u + 100});
        out.push_back({{1e18, 3e18, 1e19, 3e19}, {1, 2, 4, 8, 16, 32, 64}, 9, 0.008, u + 200});
        out.push_back({{1e17, 3e17, 1e18, 3e18, 1e19, 3e19}, {1, 4, 16, 64}, 4, 0.008, u + 300, false, 0.1});
        out.push_back({{1e18, 1e19, 1e20}, {1, 8}, 8, 0.008, u + 400, true});
    }
    return out;
}

} // namespace moescope::calibration
