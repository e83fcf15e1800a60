#include "ui/SliceCharts.h"

#include "core/fit/Frontier.h"
#include "ui/ChartSupport.h"

#include <QGridLayout>
#include <QScatterSeries>
#include <QScrollArea>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace moescope {

namespace {
constexpr int kSamples = 48; // intervals per slice curve: smooth at any chart size, cheap to redraw

std::vector<double> spread(const std::vector<double>& levels, size_t most) {
    if (levels.size() <= most) return levels;
    std::vector<double> out;
    for (size_t i = 0; i < most; ++i)
        out.push_back(levels[i * (levels.size() - 1) / (most - 1)]);
    return out;
}

// One slice through the surface, sampled: the model's value with its 95 % band, and whether the runs' hull
// covers each sample.
struct Slice {
    QList<QPointF> mid, low, high;
    std::vector<bool> inside;
    void add(double x, const Band& b, bool in) {
        mid << QPointF(x, b.value), low << QPointF(x, b.lo), high << QPointF(x, b.hi);
        inside.push_back(in);
    }
};

// Solid (with its band) where the runs' hull covers the slice, thin dashed where the polynomial only
// extrapolates. The hull is convex, so the covered part is one interval and at most two dashed pieces
// remain; both are always attached (maybe empty) so every budget's chart has the same series and
// installChart updates it in place.
void attachSlice(QChart* chart, const QString& label, const Slice& s, bool withBand, const QColor& colour,
                 QAbstractAxis* x, QAbstractAxis* y) {
    const int n = int(s.mid.size());
    int first = 0, last = n - 1;
    while (first < n && !s.inside[first])
        ++first;
    while (last >= 0 && !s.inside[last])
        --last;
    const bool covered = first <= last;
    const int solidFrom = covered ? first : 0, solidCount = covered ? last - first + 1 : 0;
    if (withBand) {
        auto* area =
            band("95% " + label, s.low.mid(solidFrom, solidCount), s.high.mid(solidFrom, solidCount), colour);
        attach(chart, area, x, y);
        hideFromLegend(chart, area);
    }
    attach(chart, curve(label, s.mid.mid(solidFrom, solidCount), colour), x, y);
    const QList<QPointF> below = covered ? (first > 0 ? s.mid.mid(0, first + 1) : QList<QPointF>()) : s.mid;
    const QList<QPointF> above = covered && last < n - 1 ? s.mid.mid(last) : QList<QPointF>();
    for (const QList<QPointF>& piece : {below, above}) {
        auto* dashed = dashedCurve(QString(), piece, colour);
        QPen pen = dashed->pen();
        pen.setWidthF(1);
        dashed->setPen(pen);
        attach(chart, dashed, x, y);
        hideFromLegend(chart, dashed);
    }
}

void drawLossVsParams(QChartView* view, const BudgetAnalysis& a, bool active) {
    const QString title = active ? "Loss vs active parameters N_a" : "Loss vs total parameters N";
    const IsoflopSurface* s = active ? (a.activeSurface ? &*a.activeSurface : nullptr) : &a.surface;
    if (!s) return showMessage(view, title, "the runs carry no active_params");
    const double lo = std::exp(s->minLogParams()), hi = std::exp(s->maxLogParams());
    double yLo = 1e300, yHi = -1e300;
    for (const auto& p : a.points)
        yLo = std::min(yLo, p.loss), yHi = std::max(yHi, p.loss);
    const auto [xl, xh] = padded(lo, hi, true);
    const auto [yl, yh] = padded(yLo, yHi, false);
    auto* x = makeLogAxis(active ? "N_a (active parameters)" : "N (total parameters)", xl, xh);
    auto* y = makeValueAxis("loss (nats)", yl, yh);
    QChart* chart = chartWithAxes(title, x, y);
    std::set<double> levelSet;
    for (const auto& p : a.points)
        levelSet.insert(p.sparsity);
    const auto levels = spread({levelSet.begin(), levelSet.end()}, 5);
    QList<QPointF> optima;
    for (size_t k = 0; k < levels.size(); ++k) {
        const QColor colour = sparsityColour(levels[k]);
        // Over N a level is drawn from the curve its N* comes from (its own, where it has one): one optimum.
        const IsoflopSurface& c = active ? *s : curveAt(a, levels[k]);
        Slice slice;
        for (int i = 0; i <= kSamples; ++i) {
            const double logN = s->minLogParams() + (s->maxLogParams() - s->minLogParams()) * i / kSamples;
            const double n = std::exp(logN);
            slice.add(n, surfaceBand(a, n, levels[k], active), c.insideHull(logN, levels[k]));
        }
        attachSlice(chart, QString("S=%1").arg(levels[k], 0, 'g', 3), slice, !a.replicates.empty(), colour, x,
                    y);
        QList<QPointF> runs;
        for (size_t i = 0; i < a.points.size(); ++i)
            if (a.points[i].sparsity == levels[k]) {
                const double n = active ? a.activeParams[i] : a.points[i].params;
                if (n > 0) runs << QPointF(n, a.points[i].loss);
            }
        auto* runMarkers = markers(QString("runs S=%1").arg(levels[k], 0, 'g', 3), runs, colour, 7);
        attach(chart, runMarkers, x, y);
        hideFromLegend(chart, runMarkers);
        const double best = c.optimalParams(levels[k]);
        optima << QPointF(best, c.loss(best, levels[k]));
    }
    attach(chart, markers("optimum", optima, Qt::black, 12, QScatterSeries::MarkerShapeStar), x, y);
    installChart(view, chart);
}

void drawLossVsSparsity(QChartView* view, const BudgetAnalysis& a) {
    const QString title = "Loss vs sparsity at fixed N";
    const IsoflopSurface& s = a.surface;
    if (s.maxSparsity() <= s.minSparsity())
        return showMessage(view, title, "one sparsity level: no sparsity axis to slice");
    double yLo = 1e300, yHi = -1e300;
    for (const auto& p : a.points)
        yLo = std::min(yLo, p.loss), yHi = std::max(yHi, p.loss);
    const auto [yl, yh] = padded(yLo, yHi, false);
    auto* x = makeValueAxis("sparsity S", s.minSparsity(), s.maxSparsity());
    auto* y = makeValueAxis("loss (nats)", yl, yh);
    QChart* chart = chartWithAxes(title, x, y);
    const int count = 4;
    QList<QPointF> optima;
    for (int k = 0; k < count; ++k) {
        const double n =
            std::exp(s.minLogParams() + (s.maxLogParams() - s.minLogParams()) * (k + 0.5) / count);
        const QColor colour = sizeColour(n, std::exp(s.minLogParams()), std::exp(s.maxLogParams()));
        Slice slice;
        for (int i = 0; i <= kSamples; ++i) {
            const double sp = s.minSparsity() + (s.maxSparsity() - s.minSparsity()) * i / kSamples;
            slice.add(sp, surfaceBand(a, n, sp), s.insideHull(std::log(n), sp));
        }
        const QString label = "N=" + QString::number(n, 'g', 2).replace("e+", "e");
        attachSlice(chart, label, slice, !a.replicates.empty(), colour, x, y);
        const double best = s.optimalSparsity(n);
        optima << QPointF(best, s.loss(n, best));
    }
    QList<QPointF> runs;
    for (const auto& p : a.points)
        runs << QPointF(p.sparsity, p.loss);
    attach(chart, markers("runs", runs, QColor(90, 90, 90), 6), x, y);
    attach(chart, markers("optimum", optima, Qt::black, 12, QScatterSeries::MarkerShapeStar), x, y);
    installChart(view, chart);
}
// At a budget nobody ran, the fitted law's own slices: L(N) at C per sparsity with the band of its bootstrap
// refits, the law's optimum starred; L(S) through the swept levels at the best level's N*.
void drawPredictedSlices(QChartView* bySparsity, QChartView* byParams, QChartView* byActive,
                         const LawFrontier& law, double budget) {
    const QString where = QString("C = %1, extrapolated by the %2 law")
                              .arg(budget, 0, 'g', 3)
                              .arg(QString::fromStdString(law.name()));
    const auto levels = spread(law.sparsities(), 5);
    std::vector<FrontierPoint> optima;
    for (double s : levels)
        optima.push_back(law.at(budget, s, INFINITY));
    double nLo = 1e300, nHi = 0, yLo = 1e300, yHi = -1e300;
    for (const auto& o : optima)
        nLo = std::min(nLo, o.params.value / 10), nHi = std::max(nHi, o.params.value * 10);
    std::vector<Slice> slices(levels.size());
    for (size_t k = 0; k < levels.size(); ++k)
        for (int i = 0; i <= kSamples; ++i) {
            const double n = nLo * std::pow(nHi / nLo, double(i) / kSamples);
            const Band b = law.lossOf(n, levels[k], budget);
            slices[k].add(n, b, true);
            if (std::isfinite(b.value)) yLo = std::min(yLo, b.value), yHi = std::max(yHi, b.value);
        }
    const auto [xl, xh] = padded(nLo, nHi, true);
    const auto [yl, yh] = padded(yLo, yHi, false);
    auto* x = makeLogAxis("N (total parameters)", xl, xh);
    auto* y = makeValueAxis("predicted loss (nats)", yl, yh);
    QChart* chart = chartWithAxes("Loss vs N at " + where, x, y);
    QList<QPointF> stars;
    for (size_t k = 0; k < levels.size(); ++k) {
        attachSlice(chart, QString("S=%1").arg(levels[k], 0, 'g', 3), slices[k], true,
                    sparsityColour(levels[k]), x, y);
        stars << QPointF(optima[k].params.value, optima[k].loss.value);
    }
    attach(chart, markers("predicted optimum", stars, Qt::black, 12, QScatterSeries::MarkerShapeStar), x, y);
    installChart(byParams, chart);

    const auto all = law.sparsities();
    if (all.size() < 2) {
        showMessage(bySparsity, "Loss vs sparsity", "one sparsity level: no sparsity axis to slice");
    } else {
        const double n = optima.back().params.value;
        Slice slice;
        double lo = 1e300, hi = -1e300;
        for (double s : all) {
            const Band b = law.lossOf(n, s, budget);
            slice.add(s, b, true);
            lo = std::min(lo, b.lo), hi = std::max(hi, b.hi);
        }
        const auto [a, b] = padded(lo, hi, false);
        auto* sx = makeValueAxis("sparsity S", all.front(), all.back());
        auto* sy = makeValueAxis("predicted loss (nats)", a, b);
        QChart* c = chartWithAxes("Loss vs S at N=" + QString::number(n, 'g', 2) + ", " + where, sx, sy);
        attachSlice(c, "N=" + QString::number(n, 'g', 2), slice, true, sizeColour(n, n, n), sx, sy);
        installChart(bySparsity, c);
    }
    showMessage(byActive, "Loss vs N_a",
                QString("%1: no runs at this budget; Loss vs N shows the law's prediction").arg(where));
}

// The message when a budget was not swept and no law can draw its slices.
void showUnswept(QChartView* v, double budget, double nearest) {
    showMessage(
        v, "Slices",
        QString(
            "C = %1 was not swept and the analysis has no law to predict its slices (choose one in the Fit "
            "dock); the nearest swept budget is C = %2")
            .arg(budget, 0, 'g', 3)
            .arg(nearest, 0, 'g', 3));
}

} // namespace

SliceCharts::SliceCharts(QWidget* parent)
    : QWidget(parent), bySparsity_(newChartView("Loss vs sparsity")), byParams_(newChartView("Loss vs N")),
      byActive_(newChartView("Loss vs N_a")) {
    // Two rows of charts need 464 px: in a scroll area they no longer hold the window taller than a
    // 1366×768 screen (the Runs dock below was left one row, its separator stuck).
    auto* content = new QWidget;
    auto* grid = new QGridLayout(content);
    grid->addWidget(bySparsity_, 0, 0);
    grid->addWidget(byParams_, 0, 1);
    grid->addWidget(byActive_, 1, 0, 1, 2);
    auto* scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
}

int SliceCharts::runAt(QChartView* chart, const QPointF& p) const {
    if (!snapshot_) return -1;
    const BudgetAnalysis* a = snapshot_->budget(budget_);
    if (!a) return -1;
    int best = -1;
    double bestDist = 1e300;
    for (const int i : snapshot_->runsOfBudget(a->budget)) {
        const Run& r = snapshot_->runs.runs[i];
        const double s = r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0;
        // Distances in the chart's own terms: sparsity linear, sizes in decades, loss in nats.
        double dx;
        if (chart == bySparsity_)
            dx = s - p.x();
        else if (p.x() > 0)
            dx = std::log10((chart == byActive_ ? r.get(Field::ActiveParams) : r.get(Field::Params)) / p.x());
        else
            continue;
        const double d = std::hypot(dx, r.get(Field::Loss) - p.y());
        if (d < bestDist) bestDist = d, best = i;
    }
    return best;
}

void SliceCharts::onPointClicked(const QPointF& p) {
    auto* series = qobject_cast<QAbstractSeries*>(sender());
    for (QChartView* v : {bySparsity_, byParams_, byActive_})
        if (series && series->chart() == v->chart()) {
            const int run = runAt(v, p);
            if (run >= 0) emit runPicked(run);
        }
}

void SliceCharts::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget) {
    snapshot_ = snapshot;
    budget_ = budget;
    const BudgetAnalysis* a = snapshot ? snapshot->budget(budget) : nullptr;
    if (!a) {
        for (auto* v : {bySparsity_, byParams_, byActive_})
            showMessage(v, "Slices", noBudgetMessage(snapshot.get()));
        return;
    }
    if (a->budget != budget) { // not swept: the law's prediction, or why there is none
        const auto* law = dynamic_cast<const LawFrontier*>(snapshot->frontier(snapshot->lawId));
        try {
            if (law) return drawPredictedSlices(bySparsity_, byParams_, byActive_, *law, budget);
        } catch (const FrontierError&) {
        }
        for (auto* v : {bySparsity_, byParams_, byActive_})
            showUnswept(v, budget, a->budget);
        return;
    }
    drawLossVsSparsity(bySparsity_, *a);
    drawLossVsParams(byParams_, *a, false);
    drawLossVsParams(byActive_, *a, true);
    // The runs' markers select their run everywhere when clicked.
    for (QChartView* v : {bySparsity_, byParams_, byActive_})
        for (auto* s : v->chart()->series())
            if (auto* scatter = qobject_cast<QScatterSeries*>(s);
                scatter && scatter->name().startsWith("runs"))
                connect(scatter, &QScatterSeries::clicked, this, &SliceCharts::onPointClicked,
                        Qt::UniqueConnection);
}

} // namespace moescope
