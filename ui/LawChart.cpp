#include "ui/LawChart.h"

#include "core/fit/Outliers.h"
#include "ui/ChartSupport.h"

#include <QCheckBox>
#include <QVBoxLayout>

#include <cmath>

namespace moescope {

LawChart::LawChart(QWidget* parent)
    : QWidget(parent), view_(newChartView("Law")), residuals_(new QCheckBox(tr("Show residuals"))) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(residuals_);
    layout->addWidget(view_, 1);
    connect(residuals_, &QCheckBox::toggled, this, [this] { redraw(); });
}

void LawChart::setShowResiduals(bool on) {
    residuals_->setChecked(on);
}

void LawChart::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    redraw();
}

void LawChart::onPointClicked(const QPointF& p) {
    const int run = runAt(p);
    if (run >= 0) emit runPicked(run);
}

int LawChart::runAt(const QPointF& p) const {
    if (!snapshot_ || !snapshot_->lawFit) return -1;
    int best = -1;
    double bestDist = 1e300;
    for (size_t i = 0; i < snapshot_->lawPoints.size(); ++i) {
        const LawPoint& x = snapshot_->lawPoints[i];
        const double pred = snapshot_->law->predict(snapshot_->lawFit->parameters, x);
        const double y = residuals_->isChecked() ? x.loss - pred : x.loss;
        const double d = std::hypot(pred - p.x(), y - p.y());
        if (d < bestDist) bestDist = d, best = snapshot_->lawRuns[i];
    }
    return best;
}

void LawChart::redraw() {
    if (!snapshot_ || !snapshot_->lawFit)
        return showMessage(view_, "Law", "no parametric fit (too few runs with the law's fields)");
    const LawFit& fit = *snapshot_->lawFit;
    const ParametricLaw& law = *snapshot_->law;
    QList<QPointF> train, held, outliers;
    double lo = 1e300, hi = -1e300;
    for (size_t i = 0; i < snapshot_->lawPoints.size(); ++i) {
        const LawPoint& x = snapshot_->lawPoints[i];
        const double pred = law.predict(fit.parameters, x);
        const QPointF p = residuals_->isChecked() ? QPointF(pred, x.loss - pred) : QPointF(pred, x.loss);
        (snapshot_->heldOut.count(static_cast<int>(i)) ? held : train) << p;
        if (i < snapshot_->outlierZ.size() && std::fabs(snapshot_->outlierZ[i]) > kOutlierZ) outliers << p;
        lo = std::min({lo, pred, x.loss}), hi = std::max({hi, pred, x.loss});
    }
    auto* chart = new QChart;
    const FitMetrics& m = fit.metrics;
    QString title = QString("%1 law: R² %2, RMSE %3 (n=%4)")
                        .arg(QString::fromStdString(fit.law))
                        .arg(m.r2, 0, 'f', 4)
                        .arg(m.rmse, 0, 'g', 3)
                        .arg(m.n);
    if (fit.heldout)
        title += QString("; held out (%1): R² %2, RMSE %3")
                     .arg(QString::fromStdString(snapshot_->heldOutLabel))
                     .arg(fit.heldout->r2, 0, 'f', 4)
                     .arg(fit.heldout->rmse, 0, 'g', 3);
    chart->setTitle(title);
    const auto [a, b] = padded(lo, hi, false);
    auto* x = makeValueAxis("predicted loss", a, b);
    QValueAxis* y;
    if (residuals_->isChecked()) {
        double r = 1e-6;
        for (const auto& p : train + held)
            r = std::max(r, std::abs(p.y()));
        y = makeValueAxis("observed − predicted", -1.1 * r, 1.1 * r);
    } else {
        y = makeValueAxis("observed loss", a, b);
    }
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    const QList<QPointF> identity =
        residuals_->isChecked() ? QList<QPointF>{{a, 0}, {b, 0}} : QList<QPointF>{{a, a}, {b, b}};
    attach(chart, curve(residuals_->isChecked() ? "zero" : "y = x", identity, Qt::gray, 1.5), x, y);
    // Drawn first and larger, so each flagged run shows as a ring around its own marker.
    if (!outliers.isEmpty())
        attach(chart,
               markers(QString("outliers (|z| > %1)").arg(kOutlierZ), outliers, QColor(245, 150, 30), 15), x,
               y);
    attach(chart, markers("fitted runs", train, QColor(40, 90, 200), 7), x, y);
    if (!held.isEmpty())
        attach(chart,
               markers("held-out runs", held, QColor(220, 60, 40), 10, QScatterSeries::MarkerShapeRectangle),
               x, y);
    installChart(view_, chart);
    // Clicking a point selects its run everywhere; the nearest law point in chart coordinates is the one.
    for (auto* s : view_->chart()->series())
        if (auto* scatter = qobject_cast<QScatterSeries*>(s))
            connect(scatter, &QScatterSeries::clicked, this, &LawChart::onPointClicked, Qt::UniqueConnection);
}

} // namespace moescope
