#include "ui/LearningRateChart.h"

#include "ui/ChartSupport.h"
#include "ui/WindowWords.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace moescope {

namespace {
constexpr const char* kTitle = "Optimum learning rate";
}

LearningRateChart::LearningRateChart(QWidget* parent) : QWidget(parent), view_(newChartView(kTitle)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
}

void LearningRateChart::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot) {
    if (!snapshot) return;
    const HparamLaws* laws = snapshot->hparams.get();
    if (!laws)
        return showMessage(view_, kTitle,
                           tr("no learning-rate column (lr) in these runs: no η*(N_a, D) to fit"));
    QList<QPointF> optima;
    std::vector<double> tokens;
    double nLo = 1e300, nHi = 0, yLo = 1e300, yHi = 0;
    for (const HparamCell& c : laws->cells) {
        if (!std::isfinite(c.lr)) continue;
        optima << QPointF(c.activeParams, c.lr);
        tokens.push_back(c.tokens);
        nLo = std::min(nLo, c.activeParams), nHi = std::max(nHi, c.activeParams);
        yLo = std::min(yLo, c.lr), yHi = std::max(yHi, c.lr);
    }
    if (optima.isEmpty()) {
        QString why = tr("no cell places an optimum");
        for (const HparamCell& c : laws->cells)
            if (!c.lrWhy.empty()) {
                why += ": " + windowWords(c.lrWhy);
                break;
            }
        return showMessage(
            view_, kTitle,
            tr("%1 (%2 cells of runs at one size and token count).").arg(why).arg(laws->cells.size()));
    }
    std::nth_element(tokens.begin(), tokens.begin() + long(tokens.size() / 2), tokens.end());
    const double d = tokens[tokens.size() / 2];
    const bool fitted = laws->lr.determined();
    QList<QPointF> law, lower, upper;
    const double xLo = nLo / 2, xHi = nHi * 2;
    if (fitted)
        for (int i = 0; i <= 40; ++i) {
            const double n = xLo * std::pow(xHi / xLo, i / 40.0);
            const Band b = laws->lr.band({n, d});
            if (!(b.value > 0 && b.lo > 0 && b.hi > 0)) continue;
            law << QPointF(n, b.value), lower << QPointF(n, b.lo), upper << QPointF(n, b.hi);
            yLo = std::min(yLo, b.lo), yHi = std::max(yHi, b.hi);
        }
    const auto [a, b] = padded(yLo, yHi, true);
    auto* x = makeLogAxis("active parameters N_a", xLo, xHi);
    auto* y = makeLogAxis("optimum learning rate η*", a, b);
    QChart* chart = chartWithAxes(
        fitted ? tr("Optimum learning rate per cell and the fitted η*(N_a, D) at D = %1 tokens, 95 % band")
                     .arg(d, 0, 'g', 3)
               : tr("Optimum learning rate per cell — no law: %1").arg(windowWords(laws->lr.undetermined)),
        x, y);
    if (!law.isEmpty()) {
        attach(chart, band("95 % band", lower, upper, Qt::darkGreen), x, y);
        attach(chart, curve("η*(N_a, D) fitted", law, Qt::darkGreen), x, y);
    }
    attach(chart, markers("cell optimum", optima, Qt::black, 9), x, y);
    installChart(view_, chart);
}

} // namespace moescope
