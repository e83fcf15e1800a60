// Issue 32's goal: the complete analysis of the bundled sample sweep with the window's default plan (every
// budget's isoFLOP fit with its bootstrap, the law by projected descents from the fast starts, the frontier
// methods with their track record, the backtest) within 1 s. Printed as a ratio to that second.
#include "core/fit/Analysis.h"
#include "core/io/RunImporter.h"
#include "tests/bench/BenchStats.h"

#include <cstdio>

using namespace moescope;

int main() {
    const std::string path = std::string(MOESCOPE_SOURCE_DIR) + "/datasets/sample_sweep.csv";
    const ImportResult r = importRunsFile(path, {});
    if (!r.ok()) {
        std::printf("analysis: %s cannot be read\n", path.c_str());
        return 1;
    }
    // The Fit dock's defaults: the fast starts (the preset and 64 Halton points) and 100 bootstrap refits.
    AnalysisPlan plan;
    plan.lawFit.starts = LawFitOptions::Starts::Fast;
    plan.lawFit.bootstrap = 100;
    std::shared_ptr<const AnalysisSnapshot> snapshot;
    const bench::Sample t = bench::timeRepeated([&] { snapshot = analyze(r.table, plan); });
    std::printf(
        "analysis: the sample sweep (%zu runs, %zu budgets, law %s), default plan: min %.3f s, median "
        "%.3f s\n",
        r.table.runs.size(), snapshot->sweep.budgets.size(), snapshot->lawId.c_str(), t.min(), t.median());
    bench::Goals goals;
    goals.check("analysis", "median time / 1 s:", t.median() / 1.0, false, 1.0);
    return goals.exitCode();
}
