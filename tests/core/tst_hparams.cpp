// Learning-rate and batch laws (core/fit/HyperparameterLaw.h): on sweeps from a generator with a known
// lr*(N_a, D) and batch*(D), the fitted exponents lie within 0.05 of the truth and the truth inside the 95 %
// interval; designs that cannot determine a law say so; the presets give their papers' formulas.
#include "core/fit/HyperparameterLaw.h"
#include "core/fit/LadderTransfer.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <sstream>

using namespace moescope;
using namespace moescope::test;

namespace {

struct Truth {
    double c = 0.8, a = -0.35, b = 0.12; // lr* = c·N_a^a·D^b
    double k = 3.0, e = 0.45;            // batch* = k·D^e tokens
};

// A sweep over sizes × token counts, each cell a ladder of learning rates (×√2 apart) and batches (×2): the
// loss a bowl in log lr and log batch around the truth, plus noise.
std::string generatedSweep(const Truth& t, std::vector<double> sizes, std::vector<double> tokens, int lrs,
                           int batches, double noise, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> eps(0.0, noise);
    std::uniform_real_distribution<double> jitter(-0.3, 0.3);
    std::ostringstream csv;
    csv.precision(10);
    csv << "active_params,params,tokens,loss,lr,batch_tokens\n";
    for (double n : sizes)
        for (double d : tokens) {
            const double lrStar = t.c * std::pow(n, t.a) * std::pow(d, t.b), bStar = t.k * std::pow(d, t.e);
            // The ladders are centred off the truth, as a real ladder centred on a preset would be.
            const double lrCentre = std::log(lrStar) + jitter(rng), bCentre = std::log(bStar) + jitter(rng);
            for (int i = 0; i < lrs; ++i)
                for (int j = 0; j < batches; ++j) {
                    const double x = lrCentre + (i - (lrs - 1) / 2.0) * std::log(std::sqrt(2.0));
                    const double y = bCentre + (j - (batches - 1) / 2.0) * std::log(2.0);
                    const double loss = 2.0 + 5.0 * std::pow(n, -0.2) +
                                        0.04 * std::pow(x - std::log(lrStar), 2) +
                                        0.02 * std::pow(y - std::log(bStar), 2) + eps(rng);
                    csv << n << "," << n << "," << d << "," << loss << "," << std::exp(x) << ","
                        << std::exp(y) << "\n";
                }
        }
    return csv.str();
}

RunTable tableOf(const std::string& csv) {
    return importRunsText(csv, "sweep.csv", {}).table;
}

} // namespace

class TestHparams : public QObject {
    Q_OBJECT

private slots:
    void recoversTheGeneratorsLaws() {
        const Truth t;
        const RunTable table =
            tableOf(generatedSweep(t, {1e6, 3e6, 1e7, 3e7, 1e8}, {1e8, 4e8, 1.6e9, 6.4e9}, 7, 5, 0.002, 7));
        const HparamLaws laws = fitHparamLaws(table);
        QCOMPARE(int(laws.cells.size()), 20);
        QVERIFY2(laws.lr.determined(), laws.lr.undetermined.c_str());
        QVERIFY2(laws.batch.determined(), laws.batch.undetermined.c_str());
        QCOMPARE(laws.lrColumn, std::string("lr"));
        auto holds = [](const Band& b, double truth, const char* what) {
            QVERIFY2(std::fabs(b.value - truth) < 0.05,
                     qPrintable(QString("%1 %2 vs truth %3").arg(what).arg(b.value).arg(truth)));
            QVERIFY2(b.lo < truth && truth < b.hi,
                     qPrintable(QString("%1 [%2, %3] misses %4").arg(what).arg(b.lo).arg(b.hi).arg(truth)));
            QVERIFY(b.lo < b.value && b.value < b.hi);
        };
        holds(laws.lr.exponents[0], t.a, "lr exponent of N_a");
        holds(laws.lr.exponents[1], t.b, "lr exponent of D");
        holds(laws.batch.exponents[0], t.e, "batch exponent of D");
        // The prediction's band holds the truth at a cell nobody ran, inside the design.
        const Band at = laws.lr.band({5e6, 8e8});
        const double truth = t.c * std::pow(5e6, t.a) * std::pow(8e8, t.b);
        QVERIFY2(at.lo < truth && truth < at.hi,
                 qPrintable(QString("[%1, %2] vs %3").arg(at.lo).arg(at.hi).arg(truth)));
    }

    // Coverage over many sweeps, not one lucky draw: the 95 % interval of the N_a exponent holds the truth
    // in most of 40 generated sweeps (binomial: 40 draws at 95 % fall below 33 with probability < 0.1 %).
    void theIntervalsHoldTheTruthAsOftenAsTheySay() {
        const Truth t;
        int held = 0;
        for (unsigned seed = 0; seed < 40; ++seed) {
            HparamFitOptions o;
            o.bootstrap = 400;
            o.seed = seed;
            const HparamLaws laws = fitHparamLaws(
                tableOf(generatedSweep(t, {1e6, 1e7, 1e8}, {1e8, 1e9, 1e10}, 5, 1, 0.004, 100 + seed)), o);
            QVERIFY(laws.lr.determined());
            held += laws.lr.exponents[0].lo < t.a && t.a < laws.lr.exponents[0].hi;
        }
        qInfo("95 %% interval of the N_a exponent held the truth in %d of 40 sweeps", held);
        QVERIFY2(held >= 33, qPrintable(QString("%1 of 40").arg(held)));
    }

    void undeterminedDesignsSaySo() {
        const Truth t;
        // One token count: the D exponent is dropped with the reason, N_a's still fitted.
        HparamLaws one =
            fitHparamLaws(tableOf(generatedSweep(t, {1e6, 1e7, 1e8, 1e9}, {1e9}, 5, 1, 0.001, 3)));
        QVERIFY(one.lr.determined());
        QVERIFY(!std::isfinite(one.lr.exponents[1].lo));
        QVERIFY(!one.lr.dropped.empty() && one.lr.dropped[0].find("D: one level") == 0);
        // One batch per cell: no batch law, and the reason names the cells' ladders.
        QVERIFY(!one.batch.determined());
        QVERIFY(one.cells[0].batchWhy.find("1 batch was tried") != std::string::npos);
        // A ladder whose best rate is its largest places no optimum.
        std::string csv = "active_params,params,tokens,loss,lr\n";
        for (double lr : {1e-4, 2e-4, 4e-4})
            csv += "1e6,1e6,1e8," + std::to_string(3.0 - 1000 * lr) + "," + std::to_string(lr) + "\n";
        const HparamLaws edge = fitHparamLaws(tableOf(csv));
        QVERIFY(!std::isfinite(edge.cells[0].lr));
        QVERIFY(edge.cells[0].lrWhy.find("largest tried") != std::string::npos);
        QVERIFY(!edge.lr.determined());
        // No learning-rate column at all.
        QVERIFY_EXCEPTION_THROWN(fitHparamLaws(tableOf("params,tokens,loss\n1e6,1e8,3\n")),
                                 std::invalid_argument);
    }

    // The papers print the laws as formulas; values at stated points computed from those formulas by hand:
    // DeepSeek at C = 1e20: 0.3118·10^-2.5 = 9.86e-4 and 0.2920·10^6.542 = 1.017e6 tokens; Step Law at
    // N = 1e9, D = 1e11: 1.79·10^(-6.417+3.377) = 1.632e-3 and 0.58·10^6.281 = 1.108e6 tokens.
    void presetsGiveTheirPapersLaws() {
        const HparamPreset* ds = findHparamPreset("deepseek");
        const HparamPreset* sl = findHparamPreset("steplaw");
        QVERIFY(ds && sl && !findHparamPreset("kaplan"));
        const double d = 1e20 / 6e9; // C = 6·N_a·D = 1e20 at N_a = 1e9
        QVERIFY(std::fabs(ds->lr(1e9, d, 1e20) / 9.860e-4 - 1) < 1e-3);
        QVERIFY(std::fabs(ds->batchTokens(1e9, d, 1e20) / 1.0171e6 - 1) < 1e-3);
        QVERIFY(std::fabs(sl->lr(1e9, 1e11, 6e20) / 1.6325e-3 - 1) < 1e-3);
        QVERIFY(std::fabs(sl->batchTokens(1e9, 1e11, 6e20) / 1.1077e6 - 1) < 1e-3);
        QVERIFY(sl->source.find("2503.04715") != std::string::npos);
        QVERIFY(ds->source.find("2401.02954") != std::string::npos);
        const TrainingAdvice a = adviseTraining(1e9, 1e11, 4096, nullptr, *sl);
        QCOMPARE(a.batchSequences, (long long)std::llround(1.1077e6 / 4096));
        QCOMPARE(a.warmupSteps, a.steps / 20);
        QVERIFY(!std::isfinite(a.lrBand.lo)); // a preset claims no interval
    }

    void laddersCorrectTheLawByAPowerOfTheirSize() {
        // Losses quadratic in ln lr around a known optimum: η* = centre · 2 · (N_a/1e4)^−0.3 at each ladder.
        std::vector<LadderResult> ladders;
        for (double na : {1e4, 3e4, 1e5}) {
            const double centre = 3e-3, truth = centre * 2 * std::pow(na / 1e4, -0.3);
            std::vector<double> lrs, losses;
            for (double f : {0.25, 0.5, 1.0, 2.0, 4.0, 8.0}) {
                lrs.push_back(centre * f);
                losses.push_back(2 + 0.05 * std::pow(std::log(centre * f / truth), 2));
            }
            // The ladder's centre is its geometric middle: rescale so the law's rate sits there.
            LadderResult r = ladderResult("p", na, lrs, losses);
            QVERIFY2(r.edge.empty(), r.edge.c_str());
            QVERIFY(std::fabs(r.optimumLr / truth - 1) < 1e-9);
            ladders.push_back(r);
        }
        const LadderTransfer t = fitLadderTransfer(ladders);
        QVERIFY(std::fabs(t.exponent + 0.3) < 1e-9);
        const double middle = ladders[0].centreLr; // the same for every ladder
        QVERIFY(std::fabs(t.correction(3e4) - 3e-3 * 2 * std::pow(3.0, -0.3) / middle) < 1e-9);
        // Past the sizes tried, the nearest size's correction: a slope is not extrapolated.
        QCOMPARE(t.correction(1e7), t.correction(1e5));
        QCOMPARE(t.correction(10), t.correction(1e4));
        // A ladder whose best rate is its largest says so and falls back to that rate.
        const LadderResult edge = ladderResult("e", 1e4, {1e-3, 2e-3, 4e-3}, {3.0, 2.9, 2.8});
        QVERIFY(!edge.edge.empty());
        QCOMPARE(edge.optimumLr, 4e-3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 fitLadderTransfer({ladderResult("x", 1e4, {1e-3}, {NAN})}));
    }

    void theCliReportsCellsAndLawsAndRefusesBadOptions() {
        QTemporaryDir dir;
        const Truth t;
        const QString path = writeFile(
            dir, "lr.csv",
            QByteArray::fromStdString(generatedSweep(t, {1e6, 1e7, 1e8}, {1e8, 1e9, 1e10}, 5, 3, 0.001, 5)));
        const ProcessResult r = runCli({"hparams", path, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        Json j;
        std::string error;
        QVERIFY(Json::parse(r.out.toStdString(), j, error));
        QCOMPARE(int(j["cells"].size()), 9);
        QVERIFY(j["lr_law"]["exponents"]["N_a"]["lo"].number() < t.a);
        QVERIFY(j["lr_law"]["exponents"]["N_a"]["hi"].number() > t.a);
        QCOMPARE(runCli({"hparams", path, "--bootstrap", "1"}).exitCode, 2);
        QCOMPARE(runCli({"hparams", "--preset", "kaplan", "--active", "1e9", "--tokens", "1e11"}).exitCode,
                 2);
        const ProcessResult p =
            runCli({"hparams", "--preset", "deepseek", "--active", "1e9", "--tokens", "1e11", "--json"});
        QVERIFY2(p.exitCode == 0, qPrintable(p.err));
        QVERIFY(p.out.contains("\"lr\":"));
        const QString none = writeFile(dir, "nolr.csv", "params,tokens,loss\n1e6,1e8,3\n");
        const ProcessResult n = runCli({"hparams", none});
        QCOMPARE(n.exitCode, 2);
        QVERIFY2(n.err.contains("no learning-rate column"), qPrintable(n.err));
    }
};

QTEST_GUILESS_MAIN(TestHparams)
#include "tst_hparams.moc"
