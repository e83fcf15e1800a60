#include "ui/BudgetCharts.h"

#include "ui/ChartSupport.h"

#include <QGridLayout>

#include <cmath>

namespace moescope {

namespace {
void replace(QChartView* view, QChart* chart) {
    installChart(view, chart);
}

QString budgetName(double c) {
    return QString("C=%1").arg(c, 0, 'g', 2).replace("e+", "e");
}
} // namespace

BudgetCharts::BudgetCharts(QWidget* parent)
    : QWidget(parent), optima_(newChartView("N*, N_a* vs S")), losses_(newChartView("L* vs S")),
      sStar_(newChartView("S* vs N")), laws_(newChartView("N*(C)")) {
    auto* grid = new QGridLayout(this);
    grid->addWidget(optima_, 0, 0);
    grid->addWidget(losses_, 0, 1);
    grid->addWidget(sStar_, 1, 0);
    grid->addWidget(laws_, 1, 1);
}

void BudgetCharts::highlight(double budget) {
    const QString name = budgetName(budget);
    for (auto* s : optima_->chart()->series())
        if (auto* line = qobject_cast<QLineSeries*>(s); line && line->name().startsWith("N* ")) {
            QPen pen = line->pen();
            pen.setWidthF(line->name().endsWith(name) ? 3.5 : 2.0);
            line->setPen(pen);
        }
}

void BudgetCharts::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double selected) {
    // These charts span every budget: the same snapshot needs only the selected budget re-highlighted.
    if (snapshot && snapshot == drawn_.lock()) return highlight(selected);
    drawn_ = snapshot;
    if (!snapshot || snapshot->sweep.budgets.empty()) {
        for (auto* v : {optima_, losses_, sStar_, laws_})
            showMessage(v, "Budgets", "no budget with a fitted surface");
        return;
    }
    const auto& budgets = snapshot->sweep.budgets;
    const int count = static_cast<int>(budgets.size());
    double nLo = 1e300, nHi = 0, lLo = 1e300, lHi = -1e300, sLo = 1, sHi = 0;
    for (const auto& b : budgets)
        for (const auto& p : b.nStar) {
            for (double v : {p.params.value, p.activeParams.value})
                if (v > 0) nLo = std::min(nLo, v), nHi = std::max(nHi, v);
            lLo = std::min(lLo, p.loss.value), lHi = std::max(lHi, p.loss.value);
            sLo = std::min(sLo, p.sparsity), sHi = std::max(sHi, p.sparsity);
        }
    // N*, N_a* vs S
    {
        const auto [a, b] = padded(nLo, nHi, true);
        auto* x = makeValueAxis("sparsity S", sLo, std::max(sHi, sLo + 1e-3));
        auto* y = makeLogAxis("parameters", a, b);
        QChart* chart = chartWithAxes("Optimal size per sparsity: N* (solid), N_a* (dashed)", x, y);
        for (int k = 0; k < count; ++k) {
            const auto& bud = budgets[k];
            QList<QPointF> n, na;
            for (const auto& p : bud.nStar) {
                n << QPointF(p.sparsity, p.params.value);
                if (p.activeParams.value > 0) na << QPointF(p.sparsity, p.activeParams.value);
            }
            const QColor colour = seriesColour(k, count);
            auto* solid = curve("N* " + budgetName(bud.budget), n, colour);
            attach(chart, solid, x, y);
            setLegendLabel(chart, solid, budgetName(bud.budget));
            // One legend entry per budget: its points and N_a* curve share the colour.
            auto* points = markers("N* points " + budgetName(bud.budget), n, colour, 7);
            attach(chart, points, x, y);
            hideFromLegend(chart, points);
            if (!na.isEmpty()) {
                auto* active = dashedCurve("N_a* " + budgetName(bud.budget), na, colour);
                attach(chart, active, x, y);
                hideFromLegend(chart, active);
            }
        }
        replace(optima_, chart);
        highlight(selected);
    }
    // L* vs S
    {
        const auto [a, b] = padded(lLo, lHi, false);
        auto* x = makeValueAxis("sparsity S", sLo, std::max(sHi, sLo + 1e-3));
        auto* y = makeValueAxis("loss", a, b);
        QChart* chart = chartWithAxes("Best loss per sparsity L*(S)", x, y);
        for (int k = 0; k < count; ++k) {
            QList<QPointF> l;
            for (const auto& p : budgets[k].nStar)
                l << QPointF(p.sparsity, p.loss.value);
            auto* line = curve("L* " + budgetName(budgets[k].budget), l, seriesColour(k, count));
            attach(chart, line, x, y);
            setLegendLabel(chart, line, budgetName(budgets[k].budget));
            auto* points =
                markers("L* points " + budgetName(budgets[k].budget), l, seriesColour(k, count), 7);
            attach(chart, points, x, y);
            hideFromLegend(chart, points);
        }
        replace(losses_, chart);
    }
    // S* vs N
    {
        double lo = 1e300, hi = 0;
        for (const auto& b : budgets)
            for (const auto& p : b.sStar)
                lo = std::min(lo, p.params), hi = std::max(hi, p.params);
        if (hi <= 0) {
            showMessage(sStar_, "S* vs N", "one sparsity level: no optimal sparsity to show");
        } else {
            const auto [a, b] = padded(lo, hi, true);
            auto* x = makeLogAxis("N (total parameters)", a, b);
            auto* y = makeValueAxis("S*", sLo, std::max(sHi, sLo + 1e-3));
            QChart* chart = chartWithAxes("Optimal sparsity S*(N) per budget", x, y);
            for (int k = 0; k < count; ++k) {
                QList<QPointF> s;
                for (const auto& p : budgets[k].sStar)
                    s << QPointF(p.params, p.sparsity.value);
                if (s.isEmpty()) continue;
                auto* line = curve("S* " + budgetName(budgets[k].budget), s, seriesColour(k, count));
                attach(chart, line, x, y);
                setLegendLabel(chart, line, budgetName(budgets[k].budget));
            }
            replace(sStar_, chart);
        }
    }
    // Power laws N*(C) per sparsity
    {
        const auto& trends = snapshot->sweep.trends;
        if (trends.empty() || count < 2) {
            showMessage(laws_, "N*(C)", "needs optima at two budgets or more");
            return;
        }
        const double cLo = budgets.front().budget, cHi = budgets.back().budget;
        const auto [a, b] = padded(cLo, cHi, true);
        const auto [na, nb] = padded(nLo, nHi, true);
        auto* x = makeLogAxis("compute C (FLOPs)", a, b);
        auto* y = makeLogAxis("N*", na, nb);
        QChart* chart = chartWithAxes("N*(C) per sparsity, with power-law fits", x, y);
        const int t = static_cast<int>(trends.size());
        for (int k = 0; k < t; ++k) {
            const auto& tr = trends[k];
            QList<QPointF> pts, fit;
            for (const auto& bud : budgets)
                for (const auto& p : bud.nStar)
                    if (p.sparsity == tr.sparsity) pts << QPointF(bud.budget, p.params.value);
            fit << QPointF(cLo, tr.nStar(cLo)) << QPointF(cHi, tr.nStar(cHi));
            const QColor colour = seriesColour(k, t);
            auto* points = markers(QString("N* S=%1").arg(tr.sparsity, 0, 'g', 3), pts, colour, 8);
            attach(chart, points, x, y);
            hideFromLegend(chart, points);
            attach(chart,
                   curve(QString("S=%1: C^%2").arg(tr.sparsity, 0, 'g', 3).arg(tr.nStar.exponent, 0, 'f', 2),
                         fit, colour),
                   x, y);
        }
        replace(laws_, chart);
    }
}

} // namespace moescope
