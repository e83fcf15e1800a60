#include "ui/TrackRecordChart.h"

#include "ui/ChartSupport.h"

#include <QChart>
#include <QColor>

#include <algorithm>
#include <cmath>

namespace moescope {

namespace {

// Methods in a fixed order of colours, so a method keeps its colour between files.
QColor methodColour(const std::string& method) {
    static const std::pair<const char*, QColor> colours[] = {
        {"isoflop", QColor(40, 90, 200)},    {"abnar", QColor(200, 90, 20)},
        {"chinchilla", QColor(30, 140, 70)}, {"li", QColor(150, 60, 170)},
        {"clark", QColor(180, 40, 60)},      {"ludziejewski", QColor(90, 90, 90)},
    };
    for (const auto& [name, colour] : colours)
        if (method == name) return colour;
    return QColor(120, 120, 40);
}

} // namespace

QString trackSeriesName(const std::string& method, const Recommendation& record) {
    const QString name = QString::fromStdString(method);
    return method == record.method ? QObject::tr("%1 (chosen)").arg(name) : name;
}

QChart* trackRecordChart(const Recommendation& record, double tolerance) {
    double maxDecades = 0, maxError = tolerance;
    int points = 0;
    for (const auto& [method, track] : record.record)
        for (const TrackPoint& t : track)
            if (t.decades > 0 && std::isfinite(t.lossError))
                maxDecades = std::max(maxDecades, t.decades), maxError = std::max(maxError, t.lossError),
                ++points;
    if (points == 0) return nullptr;
    auto* x = makeValueAxis(QObject::tr("decades past the budgets fitted"), 0, maxDecades * 1.1);
    auto* y = makeValueAxis(QObject::tr("|L* error|"), 0, maxError * 1.1);
    QChart* chart = chartWithAxes(QObject::tr("Track record, |L* error| in nats (dashed: tolerance)"), x, y);
    chart->legend()->setAlignment(Qt::AlignBottom); // under the plot: the widest place for its labels
    auto* limit = dashedCurve(QObject::tr("tolerance %1 nats").arg(tolerance),
                              {QPointF(0, tolerance), QPointF(maxDecades * 1.1, tolerance)}, Qt::darkGray);
    attach(chart, limit, x, y);
    hideFromLegend(chart, limit);
    for (const auto& [method, track] : record.record) {
        QList<QPointF> at;
        double sumL = 0;
        for (const TrackPoint& t : track)
            if (t.decades > 0 && std::isfinite(t.lossError))
                at << QPointF(t.decades, t.lossError), sumL += t.lossError;
        if (at.isEmpty()) continue;
        const bool chosen = method == record.method;
        auto* s = markers(trackSeriesName(method, record), at, methodColour(method), chosen ? 11 : 8,
                          chosen ? QScatterSeries::MarkerShapeCircle : QScatterSeries::MarkerShapeRectangle);
        attach(chart, s, x, y);
        // The legend carries the mean the choice compared (N*'s is in the recommendation's why).
        setLegendLabel(
            chart, s,
            QObject::tr("%1 %2").arg(trackSeriesName(method, record)).arg(sumL / at.size(), 0, 'f', 4));
    }
    return chart;
}

} // namespace moescope
