// Issue 14's goals: `predict` (every method fitted, one chosen by a nested backtest, the optimum at a new
// budget with intervals) on 1,000 runs in under 1 s, and `backtest` in under 10 s. Reported as a ratio to
// those budgets, with the same work the CLI does (core/fit/Extrapolation.h) and the window's defaults.
#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/SyntheticSweep.h"
#include "tests/bench/BenchStats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

using Clock = std::chrono::steady_clock;

int main() {
    moescope::SyntheticSweepSpec spec;
    spec.budgets = {1e18, 3e18, 1e19, 3e19, 1e20, 3e20};
    spec.sizesPerLevel = 24;
    moescope::RunTable runs = moescope::makeSyntheticSweep(spec);
    for (unsigned seed = 100; runs.runs.size() < 1000; ++seed) { // replicate seeds up to 1,000 runs
        spec.seed = seed;
        for (const auto& r : moescope::makeSyntheticSweep(spec).runs)
            runs.runs.push_back(r);
    }
    runs.runs.resize(1000);
    const moescope::ExtrapolationOptions o;
    moescope::PredictRequest req;
    req.budget = 1e22;
    moescope::Prediction p;
    moescope::BacktestResult b;
    const bench::Sample predict = bench::timeRepeated([&] { p = moescope::predictOptimum(runs, o, req); });
    const bench::Sample backtest = bench::timeRepeated([&] { b = moescope::backtest(runs, "", o); });
    bench::Goals goals;
    std::printf("predict: 1000 runs, C = 1e22 by %s: min %.2f s, median %.2f s (%d runs)\n",
                p.point.method.c_str(), predict.min(), predict.median(), bench::kRepetitions);
    goals.check("predict", "median time / 1 s:", predict.median() / 1.0, false, 1.0);
    std::printf("backtest: 1000 runs, %zu held-out optima by %s: min %.2f s, median %.2f s (%d runs)\n",
                b.frontier.size(), b.recommendation.method.c_str(), backtest.min(), backtest.median(),
                bench::kRepetitions);
    goals.check("backtest", "median time / 10 s:", backtest.median() / 10.0, false, 1.0);
    return goals.exitCode();
}
