#include "ui/AllocationChart.h"

#include "ui/ChartSupport.h"

#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace moescope {

AllocationChart::AllocationChart(QWidget* parent) : QWidget(parent), view_(newChartView("Allocation")) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(view_);
}

void AllocationChart::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot) {
    if (!snapshot) return;
    std::set<double> levels;
    double cLo = 1e300, cHi = 0;
    for (const Run& r : snapshot->runs.runs) {
        if (r.excluded) continue; // an excluded run never sets the scale
        if (r.has(Field::Sparsity)) levels.insert(r.get(Field::Sparsity));
        const double c = r.has(Field::Budget) ? r.get(Field::Budget) : r.get(Field::Flops);
        if (c > 0) cLo = std::min(cLo, c), cHi = std::max(cHi, c);
    }
    if (cHi <= 0) return showMessage(view_, "Allocation", "no budgets in the runs");
    cLo /= 10, cHi *= 10;
    const AllocationLaw published;
    const bool fitted = snapshot->allocation.has_value();
    auto* chart = new QChart;
    // Li et al.'s question: how should compute be split between experts and attention as C grows? The
    // title says what is drawn and, when the runs cannot answer it, why.
    chart->setTitle(
        fitted ? "Expert/attention compute ratio r*(C) per sparsity: Li et al.'s published law and "
                 "the law fitted to these runs"
               : "Expert/attention compute ratio r*(C) per sparsity: Li et al.'s published law only — "
                 "the runs do not sweep r at a fixed budget and sparsity, so no r* can be measured");
    double rLo = 1e300, rHi = 0;
    std::vector<double> s(levels.begin(), levels.end());
    if (s.empty()) s = {0.0};
    for (double sp : s)
        for (double c : {cLo, cHi}) {
            rLo = std::min(rLo, published(c, sp)), rHi = std::max(rHi, published(c, sp));
            if (fitted) {
                const double f = snapshot->allocation->law(c, sp);
                if (f > 0) rLo = std::min(rLo, f), rHi = std::max(rHi, f);
            }
        }
    if (fitted)
        for (const auto& level : snapshot->allocation->levels)
            for (const auto& [c, r] : level.optima)
                if (r > 0) rLo = std::min(rLo, r), rHi = std::max(rHi, r);
    const auto [a, b] = padded(rLo, rHi, true);
    auto* x = makeLogAxis("compute C (FLOPs)", cLo, cHi);
    auto* y = makeLogAxis("r* = C_E / C_A", a, b);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    // The legend lists each sparsity once (its colour, shared with every other chart) and keys for the line
    // styles and the measured points, beside the plot where it has room.
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries); // a solid and a dashed line, a dot
    for (double sp : s) {
        const QColor colour = sparsityColour(sp);
        QList<QPointF> pub, fit;
        for (int i = 0; i <= 40; ++i) {
            const double c = cLo * std::pow(cHi / cLo, i / 40.0);
            pub << QPointF(c, published(c, sp));
            if (fitted) fit << QPointF(c, snapshot->allocation->law(c, sp));
        }
        auto* line = curve(QString("published S=%1").arg(sp, 0, 'g', 3), pub, colour);
        attach(chart, line, x, y);
        setLegendLabel(chart, line, QString("S=%1").arg(sp, 0, 'g', 3));
        if (!fitted) continue;
        auto* dashed = dashedCurve(QString("fitted S=%1").arg(sp, 0, 'g', 3), fit, colour);
        attach(chart, dashed, x, y);
        hideFromLegend(chart, dashed);
    }
    if (fitted) {
        for (const auto& level : snapshot->allocation->levels) {
            QList<QPointF> optima;
            for (const auto& [c, r] : level.optima)
                optima << QPointF(c, r);
            auto* points = markers(QString("measured r* S=%1").arg(level.sparsity, 0, 'g', 3), optima,
                                   sparsityColour(level.sparsity), 9);
            attach(chart, points, x, y);
            hideFromLegend(chart, points);
        }
        attach(chart, curve("published (solid)", {}, Qt::darkGray), x, y);
        attach(chart, dashedCurve("fitted (dashed)", {}, Qt::darkGray), x, y);
        attach(chart, markers("measured best r", {}, Qt::darkGray, 9), x, y);
    }
    installChart(view_, chart);
}

} // namespace moescope
