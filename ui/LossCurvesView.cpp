#include "ui/LossCurvesView.h"

#include "ui/ChartSupport.h"

#include <QChart>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

namespace moescope {

LossCurvesView::LossCurvesView(QWidget* parent) : QWidget(parent), view_(newChartView("L(N) per budget")) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
}

bool LossCurvesView::wanted(const AnalysisSnapshot& s) {
    std::set<double> levels;
    for (const BudgetAnalysis& b : s.sweep.budgets)
        for (const IsoflopPoint& p : b.points)
            levels.insert(p.sparsity);
    return levels.size() == 1;
}

QString LossCurvesView::curveName(double budget) {
    return QString("C=%1").arg(budget, 0, 'g', 3);
}

void LossCurvesView::setAnalysis(std::shared_ptr<const AnalysisSnapshot> s, double budget) {
    if (!s || s->sweep.budgets.empty()) {
        // The Surface tab of a file without budgets (Clark's routing runs) says why, as Budgets and Slices
        // do.
        showMessage(view_, s && !wanted(*s) ? tr("isoFLOP surface") : tr("L(N) per budget"),
                    noBudgetMessage(s.get()));
        return;
    }
    const auto& budgets = s->sweep.budgets;
    double nLo = INFINITY, nHi = 0, lLo = INFINITY, lHi = -INFINITY;
    for (const BudgetAnalysis& b : budgets)
        for (const IsoflopPoint& p : b.points)
            nLo = std::min(nLo, p.params), nHi = std::max(nHi, p.params), lLo = std::min(lLo, p.loss),
            lHi = std::max(lHi, p.loss);
    if (!(nHi > 0) || !std::isfinite(lLo)) {
        showMessage(view_, tr("L(N) per budget"), tr("no run with a size and a loss"));
        return;
    }
    const double level = budgets.front().points.front().sparsity;
    const auto [xa, xb] = padded(nLo, nHi, true);
    const auto [ya, yb] = padded(lLo, lHi, false);
    auto* x = makeLogAxis(tr("N (total parameters)"), xa, xb);
    auto* y = makeValueAxis(tr("loss (nats)"), ya, yb);
    QChart* chart = chartWithAxes(level == 0 ? tr("L(N) per budget: a dense sweep has no surface over S")
                                             : tr("L(N) per budget at the one sparsity S = %1").arg(level),
                                  x, y);
    const double cLo = budgets.front().budget, cHi = budgets.back().budget;
    QList<QPointF> optima;
    for (const BudgetAnalysis& b : budgets) {
        const QColor colour = budgetColour(b.budget, cLo, cHi);
        const bool chosen = std::fabs(std::log(b.budget / budget)) < 1e-9;
        QList<QPointF> fitted, runs;
        const double a = b.surface.minLogParams(), z = b.surface.maxLogParams();
        for (int i = 0; i <= 60; ++i) {
            const double n = std::exp(a + (z - a) * i / 60);
            const double l = b.surface.loss(n, level);
            if (std::isfinite(l)) fitted << QPointF(n, l);
        }
        for (const IsoflopPoint& p : b.points)
            runs << QPointF(p.params, p.loss);
        attach(chart, curve(curveName(b.budget), fitted, colour, chosen ? 3.5 : 1.5), x, y);
        auto* dots = markers(tr("runs %1").arg(curveName(b.budget)), runs, colour, chosen ? 9 : 6);
        attach(chart, dots, x, y);
        hideFromLegend(chart, dots);
        if (!b.optimum.edge && std::isfinite(b.optimum.params.value) && std::isfinite(b.optimum.loss.value))
            optima << QPointF(b.optimum.params.value, b.optimum.loss.value);
    }
    attach(chart, markers(tr("optimum"), optima, Qt::black, 12, QScatterSeries::MarkerShapeStar), x, y);
    installChart(view_, chart);
}

} // namespace moescope
