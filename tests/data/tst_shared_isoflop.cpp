// Open-Athena's dense isoFLOP sweeps (S = 0): per-budget parabola minima N*(C) checked against an
// independent closed-form quadratic fit, and the exponent of N* ∝ C^a against Hoffmann et al.'s ≈ 0.5.
#include "core/fit/Backtest.h"
#include "core/fit/IsoflopAnalysis.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "tests/support/TestSupport.h"

#include <cmath>
#include <set>

using namespace moescope;
using namespace moescope::test;

namespace {
// Least squares of loss on (1, u, u²) with u = log N − mean, by 3×3 normal equations (well conditioned
// once centred): an independent route to the parabola's vertex.
double vertexOfParabola(const std::vector<const Run*>& runs) {
    double m = 0;
    for (const Run* r : runs)
        m += std::log(r->get(Field::Params));
    m /= runs.size();
    double s[5] = {0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
    for (const Run* r : runs) {
        const double u = std::log(r->get(Field::Params)) - m, l = r->get(Field::Loss);
        double p = 1;
        for (int k = 0; k < 5; ++k)
            s[k] += p, p *= u;
        t[0] += l, t[1] += l * u, t[2] += l * u * u;
    }
    // Cramer's rule on [[s0 s1 s2][s1 s2 s3][s2 s3 s4]]·[c0 c1 c2] = t.
    auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h, double i) {
        return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    };
    const double D = det3(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
    const double c1 = det3(s[0], t[0], s[2], s[1], t[1], s[3], s[2], t[2], s[4]) / D;
    const double c2 = det3(s[0], s[1], t[0], s[1], s[2], t[1], s[2], s[3], t[2]) / D;
    return std::exp(m - c1 / (2 * c2));
}
} // namespace

class TestSharedIsoflop : public QObject {
    Q_OBJECT
private slots:
    void chinchillaParabolaMinima() {
        MOESCOPE_REQUIRE_SHARED("openathena_isoflops/isoflops.csv");
        ImportResult r = importRunsFile(sharedData("openathena_isoflops/isoflops.csv").toStdString(), {});
        QVERIFY(r.ok());
        const int experiment = r.table.labelIndex("experiment");
        RunTable chinchilla;
        for (const Run& run : r.table.runs)
            if (run.labels[experiment] == "ml_scalefit__massivetext__chinchilla")
                chinchilla.runs.push_back(run);
        QCOMPARE(int(chinchilla.runs.size()), 124);

        IsoflopOptions o;
        o.degrees = Degrees{2, 0, 0}; // Chinchilla's approach 2: a parabola in log N per budget
        o.bootstrap = 50;
        std::vector<double> budgets, nStar;
        for (const auto& [budget, runs] : groupByBudget(chinchilla)) {
            if (runs.size() < 5) continue;
            const BudgetAnalysis a = analyzeBudget(runs, budget, o);
            QCOMPARE(int(a.nStar.size()), 1);
            const double ours = a.nStar[0].params.value;
            const double independent = vertexOfParabola(runs);
            qInfo("C=%.3g: %zu runs, N* %.4g (independent %.4g), 95%% [%.4g, %.4g]", budget, runs.size(),
                  ours, independent, a.nStar[0].params.lo, a.nStar[0].params.hi);
            // Equal unless the vertex falls outside the sampled sizes (then ours is clamped to the data).
            if (std::log(independent) > a.surface.minLogParams() &&
                std::log(independent) < a.surface.maxLogParams())
                QVERIFY2(std::fabs(std::log(ours / independent)) < 1e-3, qPrintable(QString::number(budget)));
            else
                QVERIFY(std::fabs(std::log(ours) - a.surface.minLogParams()) < 1e-6 ||
                        std::fabs(std::log(ours) - a.surface.maxLogParams()) < 1e-6);
            budgets.push_back(budget);
            nStar.push_back(ours);
        }
        QVERIFY(budgets.size() >= 5);
        const PowerLaw law = fitPowerLaw(budgets, nStar);
        qInfo("N* ∝ C^%.3f over %d budgets (R² %.4f); Hoffmann et al. approach 2: a = 0.49", law.exponent,
              law.n, law.r2);
        QVERIFY2(std::fabs(law.exponent - 0.5) < 0.06, qPrintable(QString::number(law.exponent)));
        QVERIFY(law.r2 > 0.95);
    }
    void noDegenerateOptimumIsReportedAsInterior() {
        // Every experiment of the collection, every budget: a reported optimum comes from a surface with a
        // minimum in log N (degree ≥ 2), lies inside the sizes swept unless flagged as an edge, carries an
        // interval only when interior, and N_a* ≤ N*. Llama 3's raw-loss budget 3e21 once gave a degree-1
        // "optimum" at an arbitrary model with a zero-width interval.
        MOESCOPE_REQUIRE_SHARED("openathena_isoflops/isoflops.csv");
        const ImportResult r =
            importRunsFile(sharedData("openathena_isoflops/isoflops.csv").toStdString(), {});
        QVERIFY(r.ok());
        const int experiment = r.table.labelIndex("experiment");
        std::set<std::string> names;
        for (const Run& run : r.table.runs)
            names.insert(run.labels[experiment]);
        int budgets = 0, edges = 0;
        bool llamaChecked = false;
        IsoflopOptions o;
        o.bootstrap = 30;
        for (const std::string& name : names) {
            RunTable one = r.table;
            for (Run& run : one.runs)
                run.excluded = run.labels[experiment] != name;
            const SweepAnalysis sweep = analyzeSweep(one, o);
            for (const BudgetAnalysis& b : sweep.budgets) {
                ++budgets;
                const std::string where = name + " at " + std::to_string(b.budget);
                QVERIFY2(b.degrees.n >= 2, where.c_str());
                QVERIFY2(!(b.optimum.activeParams.value > b.optimum.params.value * (1 + 1e-12)),
                         where.c_str());
                const double x = std::log(b.optimum.params.value);
                if (b.optimum.edge) {
                    ++edges;
                    QVERIFY2(std::isnan(b.optimum.params.lo), where.c_str());
                } else {
                    QVERIFY2(x > b.surface.minLogParams() && x < b.surface.maxLogParams(), where.c_str());
                    // An interval of width, or none where the surface leaves under two residual degrees of
                    // freedom (its refits would only show how far one run moves it) — never zero width.
                    const bool none = std::isnan(b.optimum.params.lo) && std::isnan(b.optimum.params.hi);
                    QVERIFY2(b.optimum.params.hi > b.optimum.params.lo ||
                                 (none && b.n - b.degrees.featureCount() < 2),
                             where.c_str());
                }
                if (name == "llama_3__raw_loss" && std::fabs(b.budget / 3e21 - 1) < 0.01) {
                    llamaChecked = true;
                    qInfo("llama_3 raw loss at 3e21: degrees %s, N* %.3g, edge %d (%s)",
                          b.degrees.toString().c_str(), b.optimum.params.value, b.optimum.edge,
                          b.optimum.edgeWhy.c_str());
                }
            }
            for (const auto& skipped : sweep.skipped)
                qInfo("%s: skipped %s", name.c_str(), skipped.c_str());
        }
        qInfo("%d budgets analysed, %d optima at an edge", budgets, edges);
        QVERIFY(budgets > 40);
        QVERIFY(llamaChecked);
    }

    // The backtest's verdict needs N* as well as L*: on Llama 3's exp-loss sweep the method with the best
    // rolling-origin record predicts the largest budget's L* within the tolerance but N* 78 % too large,
    // outside its interval — every experiment passed when only L* counted. (On the raw-loss sweep, 68 % off,
    // the interval its track record widens now holds the observed optimum.) The observed optimum it is judged
    // against is checked with the independent parabola vertex of that budget's runs.
    void theBacktestVerdictJudgesNStarToo() {
        MOESCOPE_REQUIRE_SHARED("openathena_isoflops/isoflops.csv");
        const QString file = sharedData("openathena_isoflops/isoflops.csv");
        const ProcessResult r =
            runCli({"backtest", file, "--where", "experiment=='llama_3__exp_loss'", "--json"});
        QCOMPARE(r.exitCode, 0);
        Json j;
        std::string error;
        QVERIFY2(Json::parse(r.out.toStdString(), j, error), error.c_str());
        const Json& row = j["frontier"].at(0);
        const double observed = row["observed"]["n_star"].number(),
                     predicted = row["predicted"]["n_star"].number();
        const double lo = row["predicted"]["n_star_ci95"].at(0).number();
        const double hi = row["predicted"]["n_star_ci95"].at(1).number();
        QVERIFY2(predicted / observed - 1 > 0.3, qPrintable(QString::number(predicted / observed)));
        // The observed optimum, independently: the parabola vertex of the held-out budget's runs.
        const ImportResult all = importRunsFile(file.toStdString(), {});
        const int experiment = all.table.labelIndex("experiment");
        std::vector<const Run*> held;
        for (const Run& run : all.table.runs)
            if (run.labels[experiment] == "llama_3__exp_loss" &&
                std::fabs(run.get(Field::Budget) / row["budget"].number() - 1) < 0.01)
                held.push_back(&run);
        QVERIFY(held.size() >= 5);
        const double vertex = vertexOfParabola(held);
        QVERIFY2(std::fabs(vertex / observed - 1) < 0.1,
                 qPrintable(QString("%1 vs %2").arg(vertex).arg(observed)));
        // Outside the interval and more than 30 % off: the N* half fails, and the verdict says so.
        QVERIFY2(!(lo < vertex && vertex < hi),
                 qPrintable(QString("[%1, %2] vs %3").arg(lo).arg(hi).arg(vertex)));
        QCOMPARE(row["held"]["n_star"].boolean(true), false);
        QCOMPARE(row["held"]["loss_star"].boolean(false), true);
        QCOMPARE(j["verdict"]["n_star_pass"].boolean(true), false);
        QCOMPARE(j["verdict"]["pass"].boolean(true), false);
        QVERIFY2(QString::fromStdString(j["verdict"]["why"].string()).contains("N* failed"),
                 j["verdict"]["why"].string().c_str());
        // The rule itself: 45 % off and outside the interval fails; within the tolerance or the interval
        // holds.
        QVERIFY(!paramsHeld(Band{1.45, 1.2, 1.4}, 1.0, 0.3));
        QVERIFY(paramsHeld(Band{1.45, 0.9, 1.6}, 1.0, 0.3));
        QVERIFY(paramsHeld(Band{1.25, 1.2, 1.3}, 1.0, 0.3));
        QVERIFY(!paramsHeld(Band{1.25, 1.2, 1.3}, 1.0, 0.2));
    }
};

QTEST_GUILESS_MAIN(TestSharedIsoflop)
#include "tst_shared_isoflop.moc"
