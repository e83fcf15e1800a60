// Issue 5's goals, each against SciPy measured in this run (Debian's python3-scipy):
//  - the Epoch recipe (4,500 L-BFGS starts, Huber δ = 1e-3, on 240 Chinchilla points) at least 25× faster
//    than scipy.optimize.minimize(method="L-BFGS-B") with an analytic gradient on the same grid, with an
//    objective no worse;
//  - Abnar's full Table-2 grid (437,400 starts) in under 2 minutes, reported per start against SciPy.
// Usage: bench_laws SHARED_DATA_DIR [--skip-abnar]
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
    const bool skipAbnar = argc > 2 && std::string(argv[2]) == "--skip-abnar";
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
    LawFitOptions o;
    double best = 1e9;
    LawFit fit;
    for (int rep = 0; rep < 3; ++rep) {
        fit = fitLaw(*law, points, {}, o);
        best = std::min(best, fit.seconds);
    }
    double scipyObjective = 0;
    const std::string here = std::string(MOESCOPE_SOURCE_DIR) + "/tests/bench/chinchilla_scipy.py";
    const double scipy = runPython("/usr/bin/python3 " + here + " " + csv, &scipyObjective);
    std::printf("laws: Epoch recipe, %d starts on %zu points: %.3f s, objective %.9g (E %.4g A %.5g B %.5g "
                "alpha %.4f beta %.4f)\n",
                fit.starts, points.size(), best, fit.objective, fit.reported[0].second,
                fit.reported[1].second, fit.reported[2].second, fit.reported[3].second,
                fit.reported[4].second);
    // A minute-long SciPy reference and a 74-second grid cannot run five times in `make bench`: these two
    // print single runs, and still fail the benchmark on a missed goal.
    int missed = 0;
    if (scipy > 0) {
        missed += scipy / best < 25 || fit.objective > scipyObjective * (1 + 1e-9);
        std::printf("laws: SciPy L-BFGS-B (analytic gradient), same grid: %.2f s, objective %.9g\n", scipy,
                    scipyObjective);
        std::printf("laws: %.1fx faster than SciPy (goal >= 25x: %s); objective %s SciPy's\n", scipy / best,
                    scipy / best >= 25 ? "met" : "MISSED",
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
    const double scipy100 = runPython("/usr/bin/python3 " + here + " " + csv + " --starts 100", nullptr);
    std::printf("laws: Abnar full grid, %d starts on %zu points: %.1f s (goal < 120 s: %s), objective %.6g\n",
                af.starts, ap.size(), af.seconds, af.seconds < 120 ? "met" : "MISSED", af.objective);
    missed += af.seconds >= 120;
    if (scipy100 > 0)
        std::printf("laws: per start %.1f us vs SciPy's %.0f us (Chinchilla, 100 starts): %.1fx\n",
                    af.seconds / af.starts * 1e6, scipy100 / 100 * 1e6,
                    (scipy100 / 100) / (af.seconds / af.starts));
    return missed ? 1 : 0;
}
