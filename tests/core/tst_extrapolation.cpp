// Extrapolation (issue 14): frontier laws, predict and backtest on sweeps drawn from a known law, where the
// true optimum at a held-out budget can be computed independently of any fit.
#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/PublishedLaws.h"
#include "core/fit/SyntheticSweep.h"
#include "core/io/Json.h"
#include "core/model/Accounting.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <cmath>

using namespace moescope;
using namespace moescope::test;

namespace {

// The generator's family (core/fit/SyntheticSweep.cpp): n_layers = max(2, round(d/96)), K = 1.
Architecture family(double d, int experts) {
    Architecture a;
    a.d_model = d;
    a.n_layers = std::max(2.0, std::round(d / 96.0));
    a.experts = experts;
    a.active_experts = 1;
    a.vocab = 32000;
    a.ctx = 2048;
    return a;
}

struct Truth {
    double params, loss;
};

// The true optimum at (C, E): Abnar's Table 3 law minimised over every d_model of the family (step 1).
Truth trueOptimum(double budget, int experts) {
    const AbnarCoefficients k;
    Truth best{0, 1e300};
    for (double d = 128; d <= 32768; d += 1) {
        const Architecture a = family(d, experts);
        const double l = abnarLoss(k, totalParams(a), budget / flopsPerToken6Na(a), sparsityOf(experts, 1));
        if (l < best.loss) best = {totalParams(a), l};
    }
    return best;
}

// A sweep whose isoFLOP optimum is known exactly: at each budget L(N) = L*(C) + q·(ln N − ln N*(C))², with
// N*(C) = k·C^a and L*(C) = E + A·C^−α.
struct KnownFrontier {
    double k = 2e9, a = 0.5, e = 1.7, A = 40, alpha = 0.1, q = 0.04;
    double nStar(double c) const { return k * std::pow(c / 1e20, a); }
    double lossStar(double c) const { return e + A * std::pow(c, -alpha); }
    RunTable sweep(const std::vector<double>& budgets) const {
        RunTable t;
        for (double c : budgets)
            for (int i = 0; i < 9; ++i) {
                const double n = nStar(c) * std::exp(-1.6 + 3.2 * i / 8 + 0.1 * std::log(c / 1e18) / 10);
                Run r;
                r.set(Field::Params, n);
                r.set(Field::ActiveParams, n);
                r.set(Field::Sparsity, 0);
                r.set(Field::Budget, c);
                r.set(Field::Tokens, c / (6 * n));
                const double x = std::log(n / nStar(c));
                r.set(Field::Loss, lossStar(c) + q * x * x);
                t.runs.push_back(r);
            }
        return t;
    }
};

QString sampleSweep() {
    return QString(MOESCOPE_SOURCE_DIR) + "/datasets/sample_sweep.csv";
}

Json parsed(const ProcessResult& r) {
    Json j;
    std::string error;
    if (!Json::parse(r.out.trimmed().toStdString(), j, error)) qWarning("not JSON: %s", qPrintable(r.out));
    return j;
}

bool mentions(const Json& list, const char* text) {
    for (size_t i = 0; i < list.size(); ++i)
        if (list.at(i).string().find(text) != std::string::npos) return true;
    return false;
}

} // namespace

class TestExtrapolation : public QObject {
    Q_OBJECT
private slots:
    void backtestOnAKnownLawFindsTheTruth() {
        SyntheticSweepSpec spec;
        spec.budgets = {1e18, 3e18, 1e19, 3e19, 1e20, 3e20};
        spec.noise = 0.005;
        spec.seed = 11;
        const RunTable runs = makeSyntheticSweep(spec);
        ExtrapolationOptions o;
        const BacktestResult r = backtest(runs, "", o);
        QCOMPARE(QString::fromStdString(r.train), QString("budget < 1.732e+20"));
        QCOMPARE(r.recommendation.innerBudget, 1e20); // chosen on the training budgets alone
        QCOMPARE(int(r.frontier.size()), 7);
        int inside = 0;
        for (const auto& row : r.frontier) {
            const int e = static_cast<int>(std::lround(1 / (1 - row.sparsity)));
            const Truth t = trueOptimum(row.budget, e);
            const Band& l = row.predicted.loss;
            const QString what = QString("S %1 by %2: L* %3 [%4, %5] truth %6; N* %7 truth %8")
                                     .arg(row.sparsity)
                                     .arg(QString::fromStdString(row.method))
                                     .arg(l.value)
                                     .arg(l.lo)
                                     .arg(l.hi)
                                     .arg(t.loss)
                                     .arg(row.predicted.params.value)
                                     .arg(t.params);
            qInfo("%s", qPrintable(what));
            QCOMPARE(row.budget, 3e20);
            QVERIFY2(std::fabs(l.value - t.loss) < 0.012, qPrintable(what));
            QVERIFY2(std::fabs(row.predicted.params.value / t.params - 1) < 0.3, qPrintable(what));
            inside += l.lo <= t.loss && t.loss <= l.hi;
        }
        QVERIFY2(inside >= 6,
                 qPrintable(QString("truth inside the interval for %1 of 7 sparsities").arg(inside)));
        // Every law fitted on the training runs is scored on the held-out ones.
        QVERIFY(!r.laws.empty());
        for (const auto& law : r.laws)
            QVERIFY(law.heldoutN > 0 && std::isfinite(law.heldoutRmse));
    }

    void isoflopFrontierRecoversAKnownFrontier() {
        const KnownFrontier truth;
        IsoflopOptions iso;
        iso.bootstrap = 20;
        const SweepAnalysis sweep = analyzeSweep(truth.sweep({1e18, 1e19, 1e20, 1e21, 1e22}), iso);
        QCOMPARE(int(sweep.budgets.size()), 5);
        const IsoflopFrontier f(sweep, {});
        QCOMPARE(int(f.levels().size()), 1);
        const SparsityFrontier& l = f.levels()[0];
        QVERIFY(l.floorFitted);
        QVERIFY2(std::fabs(l.fit.params.exponent - truth.a) < 1e-3,
                 qPrintable(QString::number(l.fit.params.exponent)));
        QVERIFY(std::fabs(l.fit.params(1e23) / truth.nStar(1e23) - 1) < 0.01);
        QVERIFY2(std::fabs(l.fit.loss.floor - truth.e) < 1e-3, qPrintable(QString::number(l.fit.loss.floor)));
        QVERIFY(std::fabs(l.fit.loss.alpha - truth.alpha) < 1e-3);
        QVERIFY(std::fabs(l.fit.loss(1e24) - truth.lossStar(1e24)) < 1e-4);
        // D* = C/(6·N_a*).
        QVERIFY(std::fabs(l.fit.tokens(1e23) / (1e23 / (6 * truth.nStar(1e23))) - 1) < 0.01);
        const FrontierPoint p = f.at(1e24, 0, INFINITY);
        QVERIFY(p.params.lo <= p.params.value && p.params.value <= p.params.hi);

        // A floor the user fixes is kept; three budgets cannot identify it, and say so.
        FrontierFitOptions fixed;
        fixed.lossFloor = 1.5;
        QCOMPARE(IsoflopFrontier(sweep, fixed).levels()[0].fit.loss.floor, 1.5);
        const SweepAnalysis three = analyzeSweep(truth.sweep({1e18, 1e19, 1e20}), iso);
        const IsoflopFrontier f3(three, {});
        QVERIFY(!f3.levels()[0].floorFitted);
        QCOMPARE(f3.levels()[0].fit.loss.floor, 0.0);
        QVERIFY(!f3.warnings().empty() && f3.warnings()[0].find("--loss-floor") != std::string::npos);
    }

    void predictPastTheSweepSaysHowFar() {
        const ProcessResult r = runCli({"predict", sampleSweep(), "--budget", "1e21", "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parsed(r);
        QCOMPARE(j["extrapolation_decades"].number(), 1.0);
        QVERIFY(mentions(j["warnings"], "extrapolating 1.00 decade"));
        QVERIFY(r.err.contains("warning: extrapolating"));
        for (const char* key : {"n_star", "loss_star", "tokens_star"}) {
            const Json& band = j[std::string(key) + "_ci95"];
            QVERIFY2(band.at(0).number() <= j[key].number() && j[key].number() <= band.at(1).number(), key);
        }
        QCOMPARE(j["tokens_per_param"].number(), j["tokens_star"].number() / j["n_star"].number());
        QVERIFY(std::fabs(j["architecture"]["params"].number() / j["n_star"].number() - 1) < 0.1);
        QVERIFY(!j["method"].string().empty() && !j["method_why"].string().empty());
        // An MoE optimum is worth more than its compute in dense models; the dense frontier at C·multiplier
        // reaches the same loss.
        QVERIFY(j["sparsity"].number() > 0);
        const double multiplier = j["compute_multiplier"].number();
        QVERIFY2(multiplier > 1, qPrintable(QString::number(multiplier)));
        const ProcessResult dense =
            runCli({"predict", sampleSweep(), "--budget", QString::number(1e21 * multiplier, 'g', 17),
                    "--sparsity", "0", "--law", QString::fromStdString(j["method"].string()), "--json"});
        QCOMPARE(dense.exitCode, 0);
        QVERIFY(std::fabs(parsed(dense)["loss_star"].number() - j["loss_star"].number()) < 1e-3);

        // Inside the sweep: no extrapolation, no warning about it.
        const ProcessResult inside = runCli({"predict", sampleSweep(), "--budget", "1e19", "--json"});
        QCOMPARE(inside.exitCode, 0);
        QCOMPARE(parsed(inside)["extrapolation_decades"].number(), 0.0);
        QVERIFY(!mentions(parsed(inside)["warnings"], "extrapolating"));
    }

    void predictRefusesWhatItCannotAnswer() {
        const ProcessResult level =
            runCli({"predict", sampleSweep(), "--budget", "1e21", "--sparsity", "0.3"});
        QCOMPARE(level.exitCode, 2);
        QVERIFY2(level.err.contains("--sparsity 0.3"), qPrintable(level.err));
        const ProcessResult budget = runCli({"predict", sampleSweep(), "--budget", "-1"});
        QCOMPARE(budget.exitCode, 2);
        QVERIFY(budget.err.contains("--budget"));
        const ProcessResult law = runCli({"predict", sampleSweep(), "--budget", "1e21", "--law", "clark"});
        QCOMPARE(law.exitCode, 2);
        QVERIFY2(law.err.contains("token term"), qPrintable(law.err));
    }

    // A level typed as the tool prints it (4 significant digits) is that level: 0.9688 is 1 − 1/32.
    void aSparsityMatchesAtThePrecisionItIsPrinted() {
        const ProcessResult r =
            runCli({"predict", sampleSweep(), "--budget", "1e20", "--sparsity", "0.9688", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        Json j;
        std::string error;
        QVERIFY(Json::parse(r.out.toStdString(), j, error));
        QCOMPARE(j["sparsity"].number(), 1 - 1.0 / 32);
        QCOMPARE(runCli({"predict", sampleSweep(), "--budget", "1e20", "--sparsity", "0.968"}).exitCode, 2);
    }

    void backtestCommandReportsEveryPart() {
        const ProcessResult r = runCli({"backtest", sampleSweep(), "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parsed(r);
        QCOMPARE(QString::fromStdString(j["train"].string()), QString("budget < 5.477e+19"));
        const Json& rows = j["frontier"];
        QCOMPARE(int(rows.size()), 7); // the held-out 1e20 at each of 7 sparsities
        for (size_t i = 0; i < rows.size(); ++i) {
            const Json& row = rows.at(i);
            QCOMPARE(row["budget"].number(), 1e20);
            QCOMPARE(row["method"].string(), j["method"].string());
            QVERIFY(row["observed"]["interior"].boolean());
            QCOMPARE(row["error"]["loss_star"].number(),
                     row["predicted"]["loss_star"].number() - row["observed"]["loss_star"].number());
        }
        bool abnar = false;
        for (size_t i = 0; i < j["laws"].size(); ++i) {
            const Json& l = j["laws"].at(i);
            if (l["law"].string() != "abnar") continue;
            abnar = true;
            QVERIFY(l["heldout_n"].number() > 0);
            QVERIFY2(l["heldout_rmse"].number() < 0.02,
                     qPrintable(QString::number(l["heldout_rmse"].number())));
        }
        QVERIFY(abnar);
        QCOMPARE(j["verdict"]["tolerance"].number(), 0.01);
        QVERIFY(j["verdict"].find("pass") && !j["verdict"]["why"].string().empty());

        const ProcessResult column = runCli({"backtest", sampleSweep(), "--train", "nosuch < 1"});
        QCOMPARE(column.exitCode, 2);
        QVERIFY2(column.err.contains("nosuch"), qPrintable(column.err));
        const ProcessResult all = runCli({"backtest", sampleSweep(), "--train", "budget < 1e30"});
        QCOMPARE(all.exitCode, 2);
        QVERIFY2(all.err.contains("none is held out"), qPrintable(all.err));
    }

    void presetsPlanTrainableModelsOrSayWhy() {
        for (const QString preset : {"chinchilla", "epoch", "abnar", "li", "clark", "ludziejewski"})
            for (const QString budget : {"1e18", "1e20", "1e22", "1e24"}) {
                const ProcessResult r = runCli({"optimum", "--preset", preset, "--budget", budget, "--json"});
                const QString what = preset + " at " + budget + ": " + r.err;
                if (r.exitCode == 2) {
                    QVERIFY2(r.err.size() > 40, qPrintable(what)); // it says why
                    continue;
                }
                QCOMPARE(r.exitCode, 0);
                const Json j = parsed(r);
                QVERIFY2(j["d_model"].number() >= 128 && j["n_layers"].number() >= 2, qPrintable(what));
                QVERIFY2(j["tokens"].number() >= j["active_params"].number(), qPrintable(what));
                QVERIFY2(j["predicted_loss"].number() > 0 && j["predicted_loss"].number() < 10,
                         qPrintable(what));
            }
        // Laws that cannot plan say so at every budget.
        QVERIFY(runCli({"optimum", "--preset", "clark", "--budget", "1e21"}).err.contains("no token term"));
        QVERIFY(runCli({"optimum", "--preset", "li", "--budget", "1e21"}).err.contains("cannot plan"));
        // Epoch's preset plans Epoch's optimum: N* = G·(C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)).
        const double c = 1e22, s = kEpoch.alpha + kEpoch.beta;
        const double g = std::pow(kEpoch.alpha * kEpoch.A / (kEpoch.beta * kEpoch.B), 1 / s);
        const double nStar = g * std::pow(c / 6, kEpoch.beta / s);
        const Json e = parsed(runCli({"optimum", "--preset", "epoch", "--budget", "1e22", "--json"}));
        QVERIFY2(std::fabs(e["continuous"]["params"].number() / nStar - 1) < 0.02,
                 qPrintable(QString("%1 vs %2").arg(e["continuous"]["params"].number()).arg(nStar)));
    }

    void optimumSaysWhenItExtrapolates() {
        const ProcessResult past = runCli(
            {"optimum", sampleSweep(), "--law", "abnar", "--budget", "1e21", "--bootstrap", "0", "--json"});
        QCOMPARE(past.exitCode, 0);
        QCOMPARE(parsed(past)["extrapolation_decades"].number(), 1.0);
        QVERIFY2(past.err.contains("warning: extrapolating 1 decade"), qPrintable(past.err));
        const ProcessResult inside = runCli(
            {"optimum", sampleSweep(), "--law", "abnar", "--budget", "1e19", "--bootstrap", "0", "--json"});
        QCOMPARE(inside.exitCode, 0);
        QCOMPARE(parsed(inside)["extrapolation_decades"].number(), 0.0);
        QVERIFY(!inside.err.contains("extrapolating"));
    }

    void optimumThroughTheIsoflopFrontier() {
        const ProcessResult r =
            runCli({"optimum", sampleSweep(), "--law", "isoflop", "--budget", "3e20", "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parsed(r);
        QCOMPARE(j["method"].string(), std::string("isoflop"));
        QVERIFY(j["d_model"].number() >= 128);
        QVERIFY(std::isfinite(j["predicted_loss"].number()));
        QVERIFY(j["extrapolation_decades"].number() > 0.4);
    }
};

QTEST_APPLESS_MAIN(TestExtrapolation)
#include "tst_extrapolation.moc"
