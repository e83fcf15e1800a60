// The fitting goals of issues 5 and 32, each against a reference measured in this run:
//  - the Epoch recipe (4,500 L-BFGS starts, Huber δ = 1e-3, on 240 Chinchilla points) at least 100× faster
//    than scipy.optimize.minimize(method="L-BFGS-B") with an analytic gradient on the same grid (Debian's
//    python3-scipy), with an objective no worse;
//  - Abnar's full Table-2 grid (437,400 starts) within 10 s, with an objective no worse than that grid's
//    descended over every parameter (the published recipe, run here too: about 70 s).
// Each law is fitted both ways, by variable projection (the default: descents over the exponents, the
// coefficients solved for) and by the recipe as published; the two objectives are printed side by side and
// the benchmark fails when projection's is worse by more than 1e-9 relative.
// Usage: bench_laws SHARED_DATA_DIR [--skip-abnar | --abnar-projected-only]
#include "core/fit/LawFitter.h"
#include "core/fit/SyntheticSweep.h"
#include "core/io/RunImporter.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace moescope;

namespace {
double runPython(const std::string& command, double* objective) {
    double seconds = -1;
    if (FILE* p = popen(command.c_str(), "r")) {
        char buf[4096];
        std::string out;
        while (fgets(buf, sizeof buf, p))
            out += buf;
        pclose(p);
        std::sscanf(std::strstr(out.c_str(), "\"seconds\": ") ? std::strstr(out.c_str(), "\"seconds\": ") + 11
                                                              : "",
                    "%lf", &seconds);
        if (objective && std::strstr(out.c_str(), "\"objective\": "))
            std::sscanf(std::strstr(out.c_str(), "\"objective\": ") + 13, "%lf", objective);
    }
    return seconds;
}
} // namespace

int main(int argc, char** argv) {
    const std::string shared = argc > 1 ? argv[1] : "../shared/data";
    const std::string mode = argc > 2 ? argv[2] : "";
    const bool skipAbnar = mode == "--skip-abnar", abnarOnly = mode == "--abnar-projected-only";
    const std::string csv = shared + "/epoch_chinchilla/svg_extracted_data.csv";
    ImportResult r = importRunsFile(csv, {});
    if (!r.ok()) {
        std::printf("laws: %s not available; skipping\n", csv.c_str());
        return 0;
    }
    auto law = makeLaw("chinchilla");
    std::vector<LawPoint> points;
    for (const Run& run : r.table.runs) {
        LawPoint x;
        if (toLawPoint(run, *law, x)) points.push_back(x);
    }
    std::sort(points.begin(), points.end(),
              [](const LawPoint& a, const LawPoint& b) { return a.loss < b.loss; });
    points.resize(points.size() - 5); // Epoch drops the 5 highest-loss points
    LawFitOptions o, published;
    published.projection = LawFitOptions::Projection::Never;
    int missed = 0;
    const auto sideBySide = [&](const char* what, const LawFit& ours, const LawFit& grid) {
        const bool worse = ours.objective > grid.objective * (1 + 1e-9);
        missed += worse;
        std::printf(
            "laws: %s objective, projected %.12g (%d starts, %.3f s) vs every parameter %.12g (%d starts, "
            "%.2f s): %s\n",
            what, ours.objective, ours.starts, ours.seconds, grid.objective, grid.starts, grid.seconds,
            worse ? "WORSE" : "no worse");
    };
    double best = 1e9;
    LawFit fit;
    for (int rep = 0; rep < 3 && !abnarOnly; ++rep) {
        fit = fitLaw(*law, points, {}, o);
        best = std::min(best, fit.seconds);
    }
    if (!abnarOnly) sideBySide("Epoch recipe", fit, fitLaw(*law, points, {}, published));
    double scipyObjective = 0;
    const std::string here = std::string(MOESCOPE_SOURCE_DIR) + "/tests/bench/chinchilla_scipy.py";
    const double scipy = abnarOnly ? -1 : runPython("/usr/bin/python3 " + here + " " + csv, &scipyObjective);
    if (!abnarOnly)
        std::printf(
            "laws: Epoch recipe, %d starts on %zu points: %.3f s, objective %.9g (E %.4g A %.5g B %.5g "
            "alpha %.4f beta %.4f)\n",
            fit.starts, points.size(), best, fit.objective, fit.reported[0].second, fit.reported[1].second,
            fit.reported[2].second, fit.reported[3].second, fit.reported[4].second);
    // A half-minute SciPy reference and a 70-second grid cannot run five times in `make bench`: these print
    // single runs, and still fail the benchmark on a missed goal.
    if (scipy > 0) {
        missed += scipy / best < 100 || fit.objective > scipyObjective * (1 + 1e-9);
        std::printf("laws: SciPy L-BFGS-B (analytic gradient), same grid: %.2f s, objective %.9g\n", scipy,
                    scipyObjective);
        std::printf("laws: %.1fx faster than SciPy (goal >= 100x: %s); objective %s SciPy's\n", scipy / best,
                    scipy / best >= 100 ? "met" : "MISSED",
                    fit.objective <= scipyObjective * (1 + 1e-9) ? "no worse than" : "WORSE than");
    }
    if (skipAbnar) return missed ? 1 : 0;

    // Abnar's full grid on a synthetic sweep drawn from its own preset (the paper's data are not public).
    SyntheticSweepSpec spec;
    spec.budgets = {1e18, 1e19, 1e20};
    const RunTable sweep = makeSyntheticSweep(spec);
    auto abnar = makeLaw("abnar");
    std::vector<LawPoint> ap;
    for (const Run& run : sweep.runs) {
        LawPoint x;
        if (toLawPoint(run, *abnar, x)) ap.push_back(x);
    }
    const LawFit af = fitLaw(*abnar, ap, {}, o);
    std::printf("laws: Abnar full grid, %zu starts projected to %d on %zu points: %.1f s (goal <= 10 s: %s), "
                "objective %.12g\n",
                startPoints(*abnar, o).size(), af.starts, ap.size(), af.seconds,
                af.seconds <= 10 ? "met" : "MISSED", af.objective);
    missed += af.seconds > 10;
    if (abnarOnly) return missed ? 1 : 0;
    sideBySide("Abnar full grid", af, fitLaw(*abnar, ap, {}, published));
    return missed ? 1 : 0;
}
