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
        if (r.has(Field::Sparsity)) levels.insert(r.get(Field::Sparsity));
        const double c = r.has(Field::Budget) ? r.get(Field::Budget) : r.get(Field::Flops);
        if (c > 0) cLo = std::min(cLo, c), cHi = std::max(cHi, c);
    }
    if (cHi <= 0) return showMessage(view_, "Allocation", "no budgets in the runs");
    cLo /= 10, cHi *= 10;
    const AllocationLaw published;
    auto* chart = new QChart;
    chart->setTitle(snapshot->allocation
                        ? "Expert/attention ratio r*(C): published (solid) and fitted (dashed)"
                        : "Expert/attention ratio r*(C): published law (Li et al.); the runs do not sweep r");
    double rLo = 1e300, rHi = 0;
    std::vector<double> s(levels.begin(), levels.end());
    if (s.empty()) s = {0.0};
    for (double sp : s)
        for (double c : {cLo, cHi}) {
            rLo = std::min(rLo, published(c, sp)), rHi = std::max(rHi, published(c, sp));
            if (snapshot->allocation) {
                const double f = snapshot->allocation->law(c, sp);
                if (f > 0) rLo = std::min(rLo, f), rHi = std::max(rHi, f);
            }
        }
    const auto [a, b] = padded(rLo, rHi, true);
    auto* x = makeLogAxis("compute C (FLOPs)", cLo, cHi);
    auto* y = makeLogAxis("r* = C_E / C_A", a, b);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    const int n = static_cast<int>(s.size());
    for (int k = 0; k < n; ++k) {
        const QColor colour = seriesColour(k, n);
        QList<QPointF> pub, fit;
        for (int i = 0; i <= 40; ++i) {
            const double c = cLo * std::pow(cHi / cLo, i / 40.0);
            pub << QPointF(c, published(c, s[k]));
            if (snapshot->allocation) fit << QPointF(c, snapshot->allocation->law(c, s[k]));
        }
        attach(chart, curve(QString("published S=%1").arg(s[k], 0, 'g', 3), pub, colour), x, y);
        if (!fit.isEmpty())
            attach(chart, dashedCurve(QString("fitted S=%1").arg(s[k], 0, 'g', 3), fit, colour), x, y);
    }
    if (snapshot->allocation) {
        QList<QPointF> optima;
        for (const auto& level : snapshot->allocation->levels)
            for (const auto& [c, r] : level.optima)
                optima << QPointF(c, r);
        attach(chart, markers("measured r*", optima, Qt::black, 9), x, y);
    }
    installChart(view_, chart);
}

} // namespace moescope
