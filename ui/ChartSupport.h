#pragma once
// Small pieces every chart view shares: axes (log axes refuse non-positive ranges with a message),
// curves, bands, markers.
#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <optional>
#include <stdexcept>

namespace moescope {

struct AnalysisSnapshot;

struct AxisRangeError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// A log axis over [lo, hi]; throws AxisRangeError naming the axis when the range is not positive. Charts
// shown through installChart label it at round values (ui/RoundLogTicks.h).
QLogValueAxis* makeLogAxis(const QString& title, double lo, double hi);
QValueAxis* makeValueAxis(const QString& title, double lo, double hi);

// Attaches a series to the chart and both axes.
void attach(QChart* chart, QAbstractSeries* s, QAbstractAxis* x, QAbstractAxis* y);
// Keeps an attached series off the legend (bands, per-level markers, extrapolated pieces): with a handful
// of curves the legend otherwise truncates every label.
void hideFromLegend(QChart* chart, QAbstractSeries* s);
// A legend label shorter than the series' name (names stay unique and searchable; labels must fit a row).
void setLegendLabel(QChart* chart, QAbstractSeries* s, const QString& label);
QLineSeries* curve(const QString& name, const QList<QPointF>& points, const QColor& colour, qreal width = 2);
QLineSeries* dashedCurve(const QString& name, const QList<QPointF>& points, const QColor& colour);
// A titled chart holding axis x at the bottom and y on the left, its legend on the right.
QChart* chartWithAxes(const QString& title, QAbstractAxis* x, QAbstractAxis* y);
// The 95 % band between two curves, translucent in `colour`.
QAbstractSeries* band(const QString& name, const QList<QPointF>& lower, const QList<QPointF>& upper,
                      const QColor& colour);
QScatterSeries* markers(const QString& name, const QList<QPointF>& points, const QColor& colour, qreal size,
                        QScatterSeries::MarkerShape shape = QScatterSeries::MarkerShapeCircle);
// One colour meaning per kind of series, the same in every chart: sparsity on a red (dense) to blue (sparse)
// hue ramp by −log(1−S), so S = 0.875 has one colour wherever it appears; compute budgets on a pink to deep
// purple ramp by log C across the sweep; model sizes on a tan to dark brown ramp by log N.
QColor sparsityColour(double sparsity);
QColor budgetColour(double budget, double lo, double hi);
QColor sizeColour(double params, double lo, double hi);

// What hovering a point of `series` shows: the series' legend label (or name) and the point's values under
// the axes' titles.
QString pointTip(QXYSeries* series, QPointF point);
// Axis limits padded by a fraction of the range (in log space for log axes).
std::pair<double, double> padded(double lo, double hi, bool log, double fraction = 0.05);

// Shows `fresh` in `view`. When the view's chart has the same series (kinds, order) and axes, their data,
// names and ranges are copied over in place and `fresh` is dropped: a budget change then costs a data
// update, not a new scene. Takes ownership of `fresh`.
void installChart(QChartView* view, QChart* fresh);

// A chart view with an empty-state message, used by every view.
QChartView* newChartView(const QString& title);
void showMessage(QChartView* view, const QString& title, const QString& message);
// What a view without an analysed budget says: why the snapshot has none (core's whyNoBudget), or, before
// any file, how to open one.
QString noBudgetMessage(const AnalysisSnapshot* snapshot);

} // namespace moescope
