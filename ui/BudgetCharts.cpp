#include "ui/BudgetCharts.h"

#include "core/fit/Frontier.h"
#include "ui/ChartSupport.h"

#include <QGridLayout>
#include <QScrollArea>
#include <QVBoxLayout>

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
      sStar_(newChartView("S* vs N")), laws_(newChartView("N*(C)")),
      multiplier_(newChartView("Compute multiplier")) {
    // Five charts need room for their legends: below a readable size per chart the view scrolls instead
    // of cutting every legend label short (a 1366×768 window shows about two rows).
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* inner = new QWidget;
    scroll->setWidget(inner);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    grid_ = new QGridLayout(inner);
    for (auto* v : {optima_, losses_, sStar_, laws_, multiplier_}) {
        v->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
        v->setMinimumSize(380, 240);
    }
    arrange(2);
}

void BudgetCharts::arrange(int columns) {
    if (columns == columns_) return;
    columns_ = columns;
    for (auto* v : {optima_, losses_, sStar_, laws_, multiplier_})
        grid_->removeWidget(v);
    for (int r = 0; r < grid_->rowCount(); ++r)
        grid_->setRowStretch(r, 0);
    for (int c = 0; c < grid_->columnCount(); ++c)
        grid_->setColumnStretch(c, 0);
    if (columns == 2) {
        grid_->addWidget(optima_, 0, 0);
        grid_->addWidget(losses_, 0, 1);
        grid_->addWidget(sStar_, 1, 0);
        grid_->addWidget(multiplier_, 1, 1);
        grid_->addWidget(laws_, 2, 0, 1, 2); // the widest legend: "S=0.938: C^0.60" per sparsity
    } else {
        int row = 0;
        for (auto* v : {optima_, losses_, sStar_, laws_, multiplier_})
            grid_->addWidget(v, row++, 0);
    }
    // Equal rows and columns whatever the charts' legends ask for, so a picture of the view has one layout
    // at a size (the CLI's render and the window's export agree).
    for (int r = 0; r < grid_->rowCount(); ++r)
        grid_->setRowStretch(r, 1);
    for (int c = 0; c < columns; ++c)
        grid_->setColumnStretch(c, 1);
}

void BudgetCharts::resizeEvent(QResizeEvent* e) {
    arrange(width() >= 1000 ? 2 : 1);
    QWidget::resizeEvent(e);
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
    if (snapshot && snapshot == drawn_.lock()) {
        highlight(selected);
        // The frontier's dashed part reaches a typed budget past the sweep.
        if (std::max(selected, snapshot->largestBudget()) != frontierEnd_) drawFrontier(*snapshot, selected);
        return;
    }
    drawn_ = snapshot;
    if (!snapshot || snapshot->sweep.budgets.empty()) {
        for (auto* v : {optima_, losses_, sStar_, laws_, multiplier_})
            showMessage(v, "Budgets", noBudgetMessage(snapshot.get()));
        return;
    }
    const auto& budgets = snapshot->sweep.budgets;
    const int count = static_cast<int>(budgets.size());
    const auto colourOf = [&](int k) {
        return budgetColour(budgets[k].budget, budgets.front().budget, budgets.back().budget);
    };
    double nLo = 1e300, nHi = 0, lLo = 1e300, lHi = -1e300, sLo = 1, sHi = 0;
    for (const auto& b : budgets)
        for (const auto& p : b.nStar) {
            for (double v : {p.params.value, p.activeParams.value})
                if (v > 0) nLo = std::min(nLo, v), nHi = std::max(nHi, v);
            lLo = std::min(lLo, p.loss.value), lHi = std::max(lHi, p.loss.value);
            sLo = std::min(sLo, p.sparsity), sHi = std::max(sHi, p.sparsity);
        }
    // One sparsity level has no S axis to draw N* and L* along (a dense sweep got one from 0 to 0.001):
    // each budget's optimum is in N*(C) below, and its curve in the Surface tab.
    const bool oneLevel = !(sHi > sLo);
    if (oneLevel) {
        const QString why = "one sparsity level (S = " + QString::number(sLo, 'g', 4) +
                            "): each budget's optimum is in N*(C) below, its L(N) in the Surface tab";
        showMessage(optima_, "N*, N_a* vs S", why);
        showMessage(losses_, "L* vs S", why);
    }
    // N*, N_a* vs S
    if (!oneLevel) {
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
            const QColor colour = colourOf(k);
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
    if (!oneLevel) {
        const auto [a, b] = padded(lLo, lHi, false);
        auto* x = makeValueAxis("sparsity S", sLo, std::max(sHi, sLo + 1e-3));
        auto* y = makeValueAxis("loss", a, b);
        QChart* chart = chartWithAxes("Best loss per sparsity L*(S)", x, y);
        for (int k = 0; k < count; ++k) {
            QList<QPointF> l;
            for (const auto& p : budgets[k].nStar)
                l << QPointF(p.sparsity, p.loss.value);
            auto* line = curve("L* " + budgetName(budgets[k].budget), l, colourOf(k));
            attach(chart, line, x, y);
            setLegendLabel(chart, line, budgetName(budgets[k].budget));
            auto* points = markers("L* points " + budgetName(budgets[k].budget), l, colourOf(k), 7);
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
                auto* line = curve("S* " + budgetName(budgets[k].budget), s, colourOf(k));
                attach(chart, line, x, y);
                setLegendLabel(chart, line, budgetName(budgets[k].budget));
            }
            replace(sStar_, chart);
        }
    }
    drawFrontier(*snapshot, selected);
    drawMultipliers(*snapshot);
}

void BudgetCharts::drawFrontier(const AnalysisSnapshot& snapshot, double selected) {
    const auto* frontier = dynamic_cast<const IsoflopFrontier*>(snapshot.frontier("isoflop"));
    if (!frontier) {
        showMessage(laws_, "N*(C)", "needs interior optima at two budgets or more at one sparsity");
        return;
    }
    // Past the sweep the fitted lines go on, dashed, to the budget typed in.
    const double cLo = snapshot.sweep.budgets.front().budget, cHi = snapshot.largestBudget();
    const double cEnd = std::max(cHi, selected);
    frontierEnd_ = cEnd;
    const auto& levels = frontier->levels();
    double nLo = 1e300, nHi = 0;
    for (const auto& l : levels)
        for (double c : {cLo, cEnd})
            nLo = std::min(nLo, l.fit.params(c)), nHi = std::max(nHi, l.fit.params(c));
    const auto [a, b] = padded(cLo, cEnd, true);
    const auto [na, nb] = padded(nLo / 1.5, nHi * 1.5, true);
    auto* x = makeLogAxis("compute C (FLOPs)", a, b);
    auto* y = makeLogAxis("N*", na, nb);
    QChart* chart = chartWithAxes("N*(C) = k·C^a per sparsity with 95 % bands (dashed: extrapolated)", x, y);
    const int t = static_cast<int>(levels.size());
    for (int k = 0; k < t; ++k) {
        const SparsityFrontier& l = levels[k];
        const QColor colour = sparsityColour(l.sparsity);
        QList<QPointF> pts, fit, past, lo, hi;
        for (const auto& bud : snapshot.sweep.budgets)
            for (const auto& p : bud.nStar)
                if (p.sparsity == l.sparsity && !p.edge) pts << QPointF(bud.budget, p.params.value);
        for (int i = 0; i <= 24; ++i) {
            const double c = cLo * std::pow(cEnd / cLo, i / 24.0);
            const FrontierPoint p = frontier->at(c, l.sparsity, INFINITY);
            (c <= cHi * 1.0001 ? fit : past) << QPointF(c, p.params.value);
            if (std::isfinite(p.params.lo)) lo << QPointF(c, p.params.lo), hi << QPointF(c, p.params.hi);
        }
        if (!past.isEmpty() && !fit.isEmpty()) past.prepend(fit.back());
        if (lo.size() > 1) {
            auto* area = band(QString("N* band S=%1").arg(l.sparsity, 0, 'g', 3), lo, hi, colour);
            attach(chart, area, x, y);
            hideFromLegend(chart, area);
        }
        auto* points = markers(QString("N* S=%1").arg(l.sparsity, 0, 'g', 3), pts, colour, 8);
        attach(chart, points, x, y);
        hideFromLegend(chart, points);
        attach(chart,
               curve(QString("S=%1: C^%2").arg(l.sparsity, 0, 'g', 3).arg(l.fit.params.exponent, 0, 'f', 2),
                     fit, colour),
               x, y);
        if (past.size() > 1) {
            auto* dashed = dashedCurve(QString("extrapolated S=%1").arg(l.sparsity, 0, 'g', 3), past, colour);
            attach(chart, dashed, x, y);
            hideFromLegend(chart, dashed);
        }
    }
    replace(laws_, chart);
}

void BudgetCharts::drawMultipliers(const AnalysisSnapshot& snapshot) {
    const auto& curves = snapshot.multipliers;
    double lo = 1e300, hi = 0, cLo = 1e300, cHi = 0;
    for (const auto& [s, pts] : curves)
        for (const auto& [c, m] : pts)
            if (std::isfinite(m) && m > 0)
                lo = std::min(lo, m), hi = std::max(hi, m), cLo = std::min(cLo, c), cHi = std::max(cHi, c);
    if (hi <= 0) {
        showMessage(multiplier_, "Compute multiplier",
                    "needs a dense (S = 0) level and a sparse one on the recommended frontier");
        return;
    }
    const auto [a, b] = padded(std::min(lo, 1.0), std::max(hi, 1.0), true);
    auto* x = makeLogAxis("compute C (FLOPs)", cLo, cHi);
    auto* y = makeLogAxis("multiplier (×)", a, b);
    QChart* chart = chartWithAxes(QString("MoE compute multiplier by the %1 frontier")
                                      .arg(QString::fromStdString(snapshot.recommended)),
                                  x, y);
    const int n = static_cast<int>(curves.size());
    for (int k = 0; k < n; ++k) {
        QList<QPointF> pts;
        for (const auto& [c, m] : curves[k].second)
            if (std::isfinite(m) && m > 0) pts << QPointF(c, m);
        attach(
            chart,
            curve(QString("×k S=%1").arg(curves[k].first, 0, 'g', 3), pts, sparsityColour(curves[k].first)),
            x, y);
    }
    attach(chart, dashedCurve("dense (×1)", {QPointF(cLo, 1), QPointF(cHi, 1)}, Qt::darkGray), x, y);
    replace(multiplier_, chart);
}

} // namespace moescope
