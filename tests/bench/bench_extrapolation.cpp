// Issue 14's goals: `predict` (every method fitted, one chosen by a nested backtest, the optimum at a new
// budget with intervals) on 1,000 runs in under 1 s, and `backtest` in under 10 s. Reported as a ratio to
// those budgets, with the same work the CLI does (core/fit/Extrapolation.h) and the window's defaults.
#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/SyntheticSweep.h"

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
    double predict = 1e9, backtest = 1e9;
    moescope::Prediction p;
    moescope::BacktestResult b;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = Clock::now();
        p = moescope::predictOptimum(runs, o, req);
        predict = std::min(predict, std::chrono::duration<double>(Clock::now() - t0).count());
        t0 = Clock::now();
        b = moescope::backtest(runs, "", o);
        backtest = std::min(backtest, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::printf("predict: 1000 runs, C = 1e22 by %s: %.2f s (best of 3)\n", p.point.method.c_str(), predict);
    std::printf("predict: %.2fx the 1 s goal (goal <= 1x: %s)\n", predict / 1.0,
                predict < 1.0 ? "met" : "MISSED");
    std::printf("backtest: 1000 runs, %zu held-out optima by %s: %.2f s (best of 3)\n", b.frontier.size(),
                b.recommendation.method.c_str(), backtest);
    std::printf("backtest: %.2fx the 10 s goal (goal <= 1x: %s)\n", backtest / 10.0,
                backtest < 10.0 ? "met" : "MISSED");
    return 0;
}
