// Extrapolation (issue 14): frontier laws, predict and backtest on sweeps drawn from a known law, where the
// true optimum at a held-out budget can be computed independently of any fit.
#include "core/fit/Extrapolation.h"
#include "core/fit/PublishedLaws.h"
#include "core/fit/SyntheticSweep.h"
#include "core/model/Accounting.h"

#include <QtTest>

#include <cmath>

using namespace moescope;

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
        qInfo("recommended %s: %s", r.recommendation.method.c_str(), r.recommendation.why.c_str());
        for (const auto& row : r.frontier) {
            const int e = static_cast<int>(std::lround(1 / (1 - row.sparsity)));
            const Truth t = trueOptimum(row.budget, e);
            qInfo("S %.4f: L* %.4f [%.4f, %.4f] truth %.4f observed %.4f; N* %.3g [%.3g, %.3g] truth %.3g observed %.3g",
                  row.sparsity, row.predicted.loss.value, row.predicted.loss.lo, row.predicted.loss.hi, t.loss,
                  row.observedLoss, row.predicted.params.value, row.predicted.params.lo, row.predicted.params.hi,
                  t.params, row.observedParams);
        }
        for (const auto& [m, e] : r.methodLossError)
            qInfo("%s: %.4f", m.c_str(), e);
    }
};

QTEST_APPLESS_MAIN(TestExtrapolation)
#include "tst_extrapolation.moc"
